#include "core/models/lstm_model.h"

#include "core/models/model_registry.h"

namespace udlab {

template <class S>
void LstmModel<S>::cell_resize(int B, int T) {
  Device& dev = this->be_;
  const size_t n = size_t(B) * T * this->H();
  c_.resize(this->L());
  tanh_c_.resize(this->L());
  for (int k = 0; k < this->L(); ++k) {
    c_[k].resize(dev, n);
    tanh_c_[k].resize(dev, n);
  }
  dc_.resize(dev, size_t(B) * this->H());
}

template <class S>
double LstmModel<S>::cell_workspace_elems(int B, int T) const {
  return 2.0 * this->L() * B * T * this->H() + double(B) * this->H();
}

template <class S>
void LstmModel<S>::seq_fwd(int k, S* pre, const S* w_hh, S* h, int B, int T) {
  this->be_.rnn().lstm_seq_fwd(pre, w_hh, h, c_[k].data(), tanh_c_[k].data(), T, B, this->H());
}

template <class S>
void LstmModel<S>::seq_bwd(int k, const S* pre, const S* w_hh, const S* h, S* dh, S* dpre, int B, int T) {
  this->be_.rnn().lstm_seq_bwd(pre, w_hh, c_[k].data(), tanh_c_[k].data(), dh, dpre, dc_.data(), T, B, this->H());
}

template class LstmModel<float>;
template class LstmModel<double>;

UDLAB_REGISTER_MODEL(LstmModel, "lstm",
                     "Embedding, stacked LSTM layers (PyTorch nn.LSTM layout) and a linear head: the classical baseline.",
                     "hidden");

}  // namespace udlab
