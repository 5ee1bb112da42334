// Attention launchers: the causal softmax over materialised score rows and its backward, and the
// head sum of the group transformer. The Q·K^T, A·V products around them are cuBLAS batched GEMMs
// (cuda_attention_ops.cpp). Plain declarations over raw pointers.
#pragma once
#include <cuda_runtime_api.h>

namespace udlab::gpu {

// att holds `rows` rows of length T, row r being query i = r % T: softmax over j <= i in place,
// zeros for j > i.
void launch_causal_softmax(float* att, long long rows, int T, cudaStream_t s);
// ds (in: dL/d att, out: dL/d scores) = scale * a * (ds - <a, ds>) on j <= i, zero beyond.
void launch_causal_softmax_bwd(const float* att, float* ds, long long rows, int T, float scale, cudaStream_t s);

void launch_sum_heads_fwd(const float* x, float* y, int R, int H, int D, cudaStream_t s);
void launch_sum_heads_bwd(const float* dy, float* dx, int R, int H, int D, cudaStream_t s);

}  // namespace udlab::gpu
