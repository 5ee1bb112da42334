// LSTM / tanh-RNN cell launchers (one time step of B rows) and per-row norms. Plain declarations;
// the contracts (gate order i, f, g, o; in-place activations; dc in/out) are those of
// core/backend/rnn_ops.h.
#pragma once
#include <cuda_runtime_api.h>

namespace udlab::gpu {

void launch_lstm_cell_fwd(float* gates, const float* c_prev, float* c, float* tanh_c, float* h, int B, int H,
                          cudaStream_t s);
void launch_lstm_cell_bwd(const float* gates, const float* c_prev, const float* tanh_c, const float* dh, float* dc,
                          float* dgates, int B, int H, cudaStream_t s);
void launch_rnn_tanh_cell_fwd(const float* pre, float* h, int B, int H, cudaStream_t s);
void launch_rnn_tanh_cell_bwd(const float* h, const float* dh, float* dpre, int B, int H, cudaStream_t s);
void launch_row_norms(const float* x, float* norms, int M, int N, cudaStream_t s);

}  // namespace udlab::gpu
