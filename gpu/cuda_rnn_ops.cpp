// RnnOps<float> on CUDA: the pointwise cell kernels in kernels/rnn.cu. The whole-layer recurrences
// loop over time on the host, one cuBLAS GEMM (h_{t-1} W_hh^T, all B rows at once) plus one cell
// kernel per step, all queued on one stream without synchronising. A persistent kernel keeping W_hh
// on chip would be faster for small H; not attempted without a GPU to measure on.
#include "gpu/cublas_rowmajor.h"
#include "gpu/cuda_families.h"
#include "gpu/kernels/rnn.cuh"

namespace udlab::gpu {
namespace {

class CudaRnnOps final : public RnnOps<float> {
 public:
  explicit CudaRnnOps(CudaContext& ctx) : ctx_(ctx) {}
  void lstm_cell_fwd(float* gates, const float* c_prev, float* c, float* tanh_c, float* h, int B, int H) override {
    launch_lstm_cell_fwd(gates, c_prev, c, tanh_c, h, B, H, ctx_.stream);
  }
  void lstm_cell_bwd(const float* gates, const float* c_prev, const float* tanh_c, const float* dh, float* dc,
                     float* dgates, int B, int H) override {
    launch_lstm_cell_bwd(gates, c_prev, tanh_c, dh, dc, dgates, B, H, ctx_.stream);
  }
  void rnn_tanh_cell_fwd(const float* pre, float* h, int B, int H) override {
    launch_rnn_tanh_cell_fwd(pre, h, B, H, ctx_.stream);
  }
  void rnn_tanh_cell_bwd(const float* h, const float* dh, float* dpre, int B, int H) override {
    launch_rnn_tanh_cell_bwd(h, dh, dpre, B, H, ctx_.stream);
  }

  // Time-major [T,B,.] buffers: step t is the B rows starting at row t*B.
  void lstm_seq_fwd(float* pre, const float* w_hh, float* h, float* c, float* tanh_c, int T, int B, int H) override {
    if (T <= 0 || B <= 0 || H <= 0) return;
    const size_t G = 4 * size_t(H), BH = size_t(B) * H, BG = size_t(B) * G;
    for (int t = 0; t < T; ++t) {
      if (t > 0)
        gemm_rowmajor_batched(ctx_.blas, false, true, B, int(G), H, 1.0f, h + (t - 1) * BH, H, 0, w_hh, H, 0, 1.0f,
                              pre + t * BG, int(G), 0, 1, "lstm_seq_fwd (h W_hh^T)");
      launch_lstm_cell_fwd(pre + t * BG, t > 0 ? c + (t - 1) * BH : nullptr, c + t * BH, tanh_c + t * BH, h + t * BH,
                           B, H, ctx_.stream);
    }
  }
  void lstm_seq_bwd(const float* pre, const float* w_hh, const float* c, const float* tanh_c, float* dh, float* dpre,
                    float* dc, int T, int B, int H) override {
    if (T <= 0 || B <= 0 || H <= 0) return;
    const size_t G = 4 * size_t(H), BH = size_t(B) * H, BG = size_t(B) * G;
    // Nothing flows into c_{T-1} from later steps.
    cuda_check(cudaMemsetAsync(dc, 0, BH * sizeof(float), ctx_.stream), "lstm_seq_bwd (zero dc)");
    for (int t = T - 1; t >= 0; --t) {
      if (t < T - 1)
        gemm_rowmajor_batched(ctx_.blas, false, false, B, H, int(G), 1.0f, dpre + (t + 1) * BG, int(G), 0, w_hh, H, 0,
                              1.0f, dh + t * BH, H, 0, 1, "lstm_seq_bwd (dpre W_hh)");
      launch_lstm_cell_bwd(pre + t * BG, t > 0 ? c + (t - 1) * BH : nullptr, tanh_c + t * BH, dh + t * BH, dc,
                           dpre + t * BG, B, H, ctx_.stream);
    }
  }
  void rnn_tanh_seq_fwd(float* pre, const float* w_hh, float* h, int T, int B, int H) override {
    if (T <= 0 || B <= 0 || H <= 0) return;
    const size_t BH = size_t(B) * H;
    for (int t = 0; t < T; ++t) {
      if (t > 0)
        gemm_rowmajor_batched(ctx_.blas, false, true, B, H, H, 1.0f, h + (t - 1) * BH, H, 0, w_hh, H, 0, 1.0f,
                              pre + t * BH, H, 0, 1, "rnn_tanh_seq_fwd (h W_hh^T)");
      launch_rnn_tanh_cell_fwd(pre + t * BH, h + t * BH, B, H, ctx_.stream);
    }
  }
  void rnn_tanh_seq_bwd(const float* h, const float* w_hh, float* dh, float* dpre, int T, int B, int H) override {
    if (T <= 0 || B <= 0 || H <= 0) return;
    const size_t BH = size_t(B) * H;
    for (int t = T - 1; t >= 0; --t) {
      if (t < T - 1)
        gemm_rowmajor_batched(ctx_.blas, false, false, B, H, H, 1.0f, dpre + (t + 1) * BH, H, 0, w_hh, H, 0, 1.0f,
                              dh + t * BH, H, 0, 1, "rnn_tanh_seq_bwd (dpre W_hh)");
      launch_rnn_tanh_cell_bwd(h + t * BH, dh + t * BH, dpre + t * BH, B, H, ctx_.stream);
    }
  }

  void row_norms(const float* x, float* norms, int M, int N) override { launch_row_norms(x, norms, M, N, ctx_.stream); }

 private:
  CudaContext& ctx_;
};

}  // namespace

std::unique_ptr<RnnOps<float>> make_cuda_rnn_ops(CudaContext& ctx) { return std::make_unique<CudaRnnOps>(ctx); }

}  // namespace udlab::gpu
