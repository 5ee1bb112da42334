// Diagnostics of group-rnn for the last batch (docs/metrics.md): host-side, only when asked for.
// Gathered chunk by chunk during the forward pass (group_rnn.h), so that they need no full-length
// activations when the run recomputes.
#include <cmath>

#include "core/groups/xi_bound.h"
#include "core/models/group_rnn/group_rnn.h"

namespace udlab {

template <class S>
void GroupRnn<S>::telemetry_chunk(int c) {
  const int B = cur_B_, Tc = chunk_len(c), t0 = c * K_;
  // ‖h_{t+1}‖_F of the last layer: √n by construction; shown so the app can compare with baselines.
  std::vector<S> H = acts_.back().H.download();
  for (int t = 0; t < Tc; ++t) {
    double s = 0, lo = 1e300, hi = 0;
    for (int b = 0; b < B; ++b) {
      const S* h = H.data() + (size_t(t + 1) * B + b) * nn_;
      double q = 0;
      for (int i = 0; i < nn_; ++i) q += double(h[i]) * h[i];
      q = std::sqrt(q);
      s += q;
      lo = std::min(lo, q);
      hi = std::max(hi, q);
    }
    tel_norm_mean_[t0 + t] = s / B;
    tel_norm_min_[t0 + t] = lo;
    tel_norm_max_[t0 + t] = hi;
  }
  // ‖ξ̂_t‖_F over the last layer: the generator size that sets the exp cost and the aliasing margin
  // (before the bound σ_c with --xi-bound: how far training pushes ξ̂, which exp sees at ‖σ_c(ξ̂)‖ < c).
  std::vector<S> all(size_t(Tc) * B * nn_);
  this->be_.download_bytes(all.data(), xi_hat(L_ - 1), sizeof(S) * all.size());
  for (size_t k = 0; k < size_t(Tc) * B; ++k) {
    double q = 0;
    for (int i = 0; i < nn_; ++i) q += double(all[k * nn_ + i]) * all[k * nn_ + i];
    q = std::sqrt(q);
    tel_xi_sum_ += q;
    tel_xi_max_ = std::max(tel_xi_max_, q);
  }
  if (c != chunks_ - 1) return;
  // Spectra of h_T and exp(ξ̂_{T−1}) of the last layer, first sequence (d complex eigenvalues).
  std::vector<double> hT(H.begin() + size_t(Tc) * B * nn_, H.begin() + size_t(Tc) * B * nn_ + nn_);
  tel_eig_h_ = group_.eigenvalues(hT.data());
  std::vector<double> Xd(all.begin() + size_t(Tc - 1) * B * nn_, all.begin() + size_t(Tc - 1) * B * nn_ + nn_), E(nn_);
  if (this->cfg_.xi_bound > 0) xi_bound_apply(Xd.data(), Xd.data(), Xd.size(), this->cfg_.xi_bound);
  group_.exp(Xd.data(), E.data());
  tel_eig_xi_ = group_.eigenvalues(E.data());
}

template <class S>
void GroupRnn<S>::fill_telemetry_forward(Telemetry& tel) {
  const int T = cur_T_, B = cur_B_;
  tel.profiles["state_norm"] = tel_norm_mean_;
  tel.profiles["state_norm_min"] = tel_norm_min_;
  tel.profiles["state_norm_max"] = tel_norm_max_;
  tel.profiles["membership_error"] = tel_membership_;  // max over the batch and the layers
  tel.eigenvalues["h_t"] = tel_eig_h_;
  tel.eigenvalues["exp_xi"] = tel_eig_xi_;
  tel.scalars["xi_norm_mean"] = tel_xi_sum_ / (double(T) * B);
  tel.scalars["xi_norm_max"] = tel_xi_max_;
  tel.scalars["reorth_events"] = reorth_events_;
}

template void GroupRnn<float>::telemetry_chunk(int);
template void GroupRnn<double>::telemetry_chunk(int);
template void GroupRnn<float>::fill_telemetry_forward(Telemetry&);
template void GroupRnn<double>::fill_telemetry_forward(Telemetry&);

}  // namespace udlab
