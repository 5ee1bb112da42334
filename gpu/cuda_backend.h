// The CUDA backend's public face: two functions, no CUDA types, so app/backends.cpp (plain C++) can
// register it without the CUDA headers. The implementation lives in cuda_backend.cpp and the kernels/.
#pragma once
#include <memory>
#include <string>

#include "core/backend/backend.h"

namespace udlab::gpu {

// True when the CUDA runtime finds a driver and at least one device; otherwise *why (if given) says
// why not in one line ("no CUDA device found", "no NVIDIA driver found", or the driver's error text).
bool cuda_available(std::string* why);

// A Backend<float> on CUDA device 0. `deterministic` selects the atomic-free kernels (docs/cuda.md).
// Throws udlab::Error, never aborts, when no device is usable.
std::unique_ptr<Backend<float>> make_cuda_backend(bool deterministic);

}  // namespace udlab::gpu
