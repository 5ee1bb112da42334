// AttentionOps<float> on CUDA, llm.c style: the [B,H,T,T] attention matrix is materialised (the
// interface saves it for backward), the three products per (batch, head) are cuBLAS strided-batched
// GEMMs, and the causal softmax and its backward are row kernels (kernels/attention.cu).
#include "gpu/cublas_rowmajor.h"
#include "gpu/cuda_families.h"
#include "gpu/kernels/attention.cuh"

namespace udlab::gpu {
namespace {

// Pairs (b, h) are not equally spaced in the strided q/k/v layout, but for a fixed b the heads are
// (stride D), and for a fixed h the batch rows are (stride T*ld). So one batched GEMM covers the inner
// index and a host loop the outer one; the loop runs over whichever of B, H is smaller.
struct PairBatches {
  int B, T, H, D;
  bool over_b() const { return B <= H; }
  int loops() const { return over_b() ? B : H; }
  int count() const { return over_b() ? H : B; }
  // Offset of the first pair of loop l in a [B,T,H,D] tensor with row stride ld, and the batch stride.
  size_t off(int l, int ld) const { return over_b() ? size_t(l) * T * ld : size_t(l) * D; }
  long long stride(int ld) const { return over_b() ? (long long)D : (long long)T * ld; }
  // The same for the [B,H,T,T] attention matrices.
  size_t att_off(int l) const { return over_b() ? size_t(l) * H * T * T : size_t(l) * T * T; }
  long long att_stride() const { return over_b() ? (long long)T * T : (long long)H * T * T; }
};

class CudaAttentionOps final : public AttentionOps<float> {
 public:
  explicit CudaAttentionOps(CudaContext& ctx) : ctx_(ctx) {}

  void causal_attention_fwd(const float* q, const float* k, const float* v, int ld_qkv, float* att, float* out,
                            int ld_out, int B, int T, int H, int D, float scale) override {
    if (B <= 0 || T <= 0 || H <= 0 || D <= 0) return;
    PairBatches p{B, T, H, D};
    // scores = scale Q K^T
    for (int l = 0; l < p.loops(); ++l)
      gemm_rowmajor_batched(ctx_.blas, false, true, T, T, D, scale, q + p.off(l, ld_qkv), ld_qkv, p.stride(ld_qkv),
                            k + p.off(l, ld_qkv), ld_qkv, p.stride(ld_qkv), 0.0f, att + p.att_off(l), T, p.att_stride(),
                            p.count(), "attention scores (cublasSgemmStridedBatched)");
    launch_causal_softmax(att, (long long)B * H * T, T, ctx_.stream);
    // out = A V (A is zero above the diagonal, so the full product equals the triangular one)
    for (int l = 0; l < p.loops(); ++l)
      gemm_rowmajor_batched(ctx_.blas, false, false, T, D, T, 1.0f, att + p.att_off(l), T, p.att_stride(),
                            v + p.off(l, ld_qkv), ld_qkv, p.stride(ld_qkv), 0.0f, out + p.off(l, ld_out), ld_out,
                            p.stride(ld_out), p.count(), "attention output (cublasSgemmStridedBatched)");
  }

  void causal_attention_bwd(const float* dout, int ld_out, const float* q, const float* k, const float* v,
                            int ld_qkv, const float* att, float* dq, float* dk, float* dv, int ld_dqkv, int B, int T,
                            int H, int D, float scale) override {
    if (B <= 0 || T <= 0 || H <= 0 || D <= 0) return;
    PairBatches p{B, T, H, D};
    // dS has the attention matrix's shape and layout; it lives in scratch for this call only.
    float* ds = static_cast<float*>(ctx_.scratch(size_t(B) * H * T * T * sizeof(float)));
    for (int l = 0; l < p.loops(); ++l) {
      const size_t a = p.att_off(l);
      // dV = A^T dO
      gemm_rowmajor_batched(ctx_.blas, true, false, T, D, T, 1.0f, att + a, T, p.att_stride(),
                            dout + p.off(l, ld_out), ld_out, p.stride(ld_out), 0.0f, dv + p.off(l, ld_dqkv), ld_dqkv,
                            p.stride(ld_dqkv), p.count(), "attention dV");
      // dA = dO V^T
      gemm_rowmajor_batched(ctx_.blas, false, true, T, T, D, 1.0f, dout + p.off(l, ld_out), ld_out, p.stride(ld_out),
                            v + p.off(l, ld_qkv), ld_qkv, p.stride(ld_qkv), 0.0f, ds + a, T, p.att_stride(),
                            p.count(), "attention dA");
    }
    launch_causal_softmax_bwd(att, ds, (long long)B * H * T, T, scale, ctx_.stream);
    for (int l = 0; l < p.loops(); ++l) {
      const size_t a = p.att_off(l);
      // dQ = dS K ; dK = dS^T Q
      gemm_rowmajor_batched(ctx_.blas, false, false, T, D, T, 1.0f, ds + a, T, p.att_stride(), k + p.off(l, ld_qkv),
                            ld_qkv, p.stride(ld_qkv), 0.0f, dq + p.off(l, ld_dqkv), ld_dqkv, p.stride(ld_dqkv),
                            p.count(), "attention dQ");
      gemm_rowmajor_batched(ctx_.blas, true, false, T, D, T, 1.0f, ds + a, T, p.att_stride(), q + p.off(l, ld_qkv),
                            ld_qkv, p.stride(ld_qkv), 0.0f, dk + p.off(l, ld_dqkv), ld_dqkv, p.stride(ld_dqkv),
                            p.count(), "attention dK");
    }
  }

  void sum_heads_fwd(const float* x, float* y, int R, int H, int D) override {
    launch_sum_heads_fwd(x, y, R, H, D, ctx_.stream);
  }
  void sum_heads_bwd(const float* dy, float* dx, int R, int H, int D) override {
    launch_sum_heads_bwd(dy, dx, R, H, D, ctx_.stream);
  }

 private:
  CudaContext& ctx_;
};

}  // namespace

std::unique_ptr<AttentionOps<float>> make_cuda_attention_ops(CudaContext& ctx) {
  return std::make_unique<CudaAttentionOps>(ctx);
}

}  // namespace udlab::gpu
