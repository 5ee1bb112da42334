// Factories for the CUDA op families, one .cpp each (cuda_<family>_ops.cpp). Each family keeps a
// reference to the backend's CudaContext and calls the plain launchers declared in kernels/*.cuh.
#pragma once
#include <memory>

#include "core/backend/backend.h"
#include "gpu/cuda_context.h"

namespace udlab::gpu {

std::unique_ptr<DenseOps<float>> make_cuda_dense_ops(CudaContext& ctx);
std::unique_ptr<RnnOps<float>> make_cuda_rnn_ops(CudaContext& ctx);
std::unique_ptr<AttentionOps<float>> make_cuda_attention_ops(CudaContext& ctx);
std::unique_ptr<LruOps<float>> make_cuda_lru_ops(CudaContext& ctx);
std::unique_ptr<GroupOps<float>> make_cuda_group_ops(CudaContext& ctx);

}  // namespace udlab::gpu
