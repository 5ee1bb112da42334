#include "core/models/rnn_tanh_model.h"

#include <Eigen/Eigenvalues>
#include <string>

#include "core/models/model_registry.h"

namespace udlab {

template <class S>
void RnnTanhModel<S>::seq_fwd(int k, S* pre, const S* w_hh, S* h, int B, int T) {
  this->be_.rnn().rnn_tanh_seq_fwd(pre, w_hh, h, T, B, this->H());
}

template <class S>
void RnnTanhModel<S>::seq_bwd(int k, const S* pre, const S* w_hh, const S* h, S* dh, S* dpre, int B, int T) {
  this->be_.rnn().rnn_tanh_seq_bwd(h, w_hh, dh, dpre, T, B, this->H());
}

template <class S>
void RnnTanhModel<S>::cell_telemetry(Telemetry& tel) {
  const int H = this->H();
  std::vector<S> w(size_t(H) * H);
  for (int k = 0; k < this->L(); ++k) {
    this->be_.download_bytes(w.data(), this->params_.value(this->w_hh(k)), sizeof(S) * w.size());
    Eigen::MatrixXd m(H, H);
    for (int i = 0; i < H; ++i)
      for (int j = 0; j < H; ++j) m(i, j) = double(w[size_t(i) * H + j]);
    Eigen::EigenSolver<Eigen::MatrixXd> es(m, /*computeEigenvectors=*/false);
    if (es.info() != Eigen::Success) continue;  // a non-converged spectrum is left out, not invented
    auto ev = es.eigenvalues();
    auto& out = tel.eigenvalues["W_hh.layer" + std::to_string(k)];
    out.assign(ev.data(), ev.data() + ev.size());
  }
}

template class RnnTanhModel<float>;
template class RnnTanhModel<double>;

UDLAB_REGISTER_MODEL(RnnTanhModel, "rnn-tanh",
                     "Embedding, stacked Elman tanh-RNN layers (PyTorch nn.RNN layout) and a linear head.",
                     "hidden");

}  // namespace udlab
