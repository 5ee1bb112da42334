// Registers the backends that core cannot register itself. "cpu" lives in core; "cuda" exists only in
// builds that link udlab_gpu, which defines UDLAB_HAVE_CUDA. This is the project's only CUDA #if:
// everything else asks BackendRegistry, so CPU-only builds need no other special case.
#include "core/backend/backend.h"

#if UDLAB_HAVE_CUDA
#include "gpu/cuda_backend.h"

namespace {

struct RegisterCuda {
  RegisterCuda() {
    udlab::BackendRegistry::instance().add(udlab::BackendInfo{
        "cuda", [](std::string* why) { return udlab::gpu::cuda_available(why); },
        // Threads only size the CPU's OpenMP pool; the GPU backend has no use for them.
        [](int /*threads*/, bool deterministic) { return udlab::gpu::make_cuda_backend(deterministic); }});
  }
} register_cuda;

}  // namespace
#endif
