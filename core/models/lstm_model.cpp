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
void LstmModel<S>::cell_fwd(int k, int t, S* pre, S* h, int B, int T) {
  const size_t step = size_t(B) * this->H();
  S* c = c_[k].data();
  // c_{-1} = 0 (every window starts from the zero state).
  this->be_.rnn().lstm_cell_fwd(pre, t > 0 ? c + (t - 1) * step : nullptr, c + t * step,
                                tanh_c_[k].data() + t * step, h, B, this->H());
}

template <class S>
void LstmModel<S>::cell_bwd(int k, int t, const S* pre, const S* h, const S* dh, S* dpre, int B, int T) {
  const size_t step = size_t(B) * this->H();
  // Nothing flows into c_{T-1} from a later step.
  if (t == T - 1) dc_.zero();
  const S* c = c_[k].data();
  this->be_.rnn().lstm_cell_bwd(pre, t > 0 ? c + (t - 1) * step : nullptr, tanh_c_[k].data() + t * step, dh,
                                dc_.data(), dpre, B, this->H());
}

template class LstmModel<float>;
template class LstmModel<double>;

UDLAB_REGISTER_MODEL(LstmModel, "lstm",
                     "Embedding, stacked LSTM layers (PyTorch nn.LSTM layout) and a linear head: the classical baseline.",
                     "hidden");

}  // namespace udlab
