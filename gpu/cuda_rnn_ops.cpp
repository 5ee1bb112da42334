// RnnOps<float> on CUDA: the pointwise cell kernels in kernels/rnn.cu; the GEMMs around them are
// DenseOps::gemm (cuBLAS), as on the CPU.
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
  void row_norms(const float* x, float* norms, int M, int N) override { launch_row_norms(x, norms, M, N, ctx_.stream); }

 private:
  CudaContext& ctx_;
};

}  // namespace

std::unique_ptr<RnnOps<float>> make_cuda_rnn_ops(CudaContext& ctx) { return std::make_unique<CudaRnnOps>(ctx); }

}  // namespace udlab::gpu
