// Diagnostics of group-rnn for the last batch (docs/metrics.md): host-side, only when asked for.
#include <cmath>

#include "core/models/group_rnn/group_rnn.h"

namespace udlab {

template <class S>
void GroupRnn<S>::fill_telemetry_forward(Telemetry& tel, int B, int T) {
  // ‖h_{t+1}‖_F of the last layer: √n by construction; shown so the app can compare with baselines.
  std::vector<S> H = acts_.back().H.download();
  std::vector<double> mean(T), mn(T), mx(T);
  for (int t = 0; t < T; ++t) {
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
    mean[t] = s / B;
    mn[t] = lo;
    mx[t] = hi;
  }
  tel.profiles["state_norm"] = std::move(mean);
  tel.profiles["state_norm_min"] = std::move(mn);
  tel.profiles["state_norm_max"] = std::move(mx);
  tel.profiles["membership_error"] = tel_membership_;  // max over the batch and the layers

  // Spectra of h_T and exp(ξ̂_{T−1}) of the last layer, first sequence (d complex eigenvalues).
  std::vector<double> hT(H.begin() + size_t(T) * B * nn_, H.begin() + size_t(T) * B * nn_ + nn_);
  tel.eigenvalues["h_t"] = group_.eigenvalues(hT.data());
  std::vector<S> X(nn_);
  const S* xh = xi_hat(L_ - 1) + size_t(T - 1) * B * nn_;
  this->be_.download_bytes(X.data(), xh, sizeof(S) * nn_);
  std::vector<double> Xd(X.begin(), X.end()), E(nn_);
  group_.exp(Xd.data(), E.data());
  tel.eigenvalues["exp_xi"] = group_.eigenvalues(E.data());

  // ‖ξ̂_t‖_F over the last layer: the generator size that sets the exp cost and the aliasing margin.
  std::vector<S> all(size_t(T) * B * nn_);
  this->be_.download_bytes(all.data(), xi_hat(L_ - 1), sizeof(S) * all.size());
  double xs = 0, xm = 0;
  for (size_t k = 0; k < size_t(T) * B; ++k) {
    double q = 0;
    for (int i = 0; i < nn_; ++i) q += double(all[k * nn_ + i]) * all[k * nn_ + i];
    q = std::sqrt(q);
    xs += q;
    xm = std::max(xm, q);
  }
  tel.scalars["xi_norm_mean"] = xs / (double(T) * B);
  tel.scalars["xi_norm_max"] = xm;
  tel.scalars["reorth_events"] = reorth_events_;
}

template void GroupRnn<float>::fill_telemetry_forward(Telemetry&, int, int);
template void GroupRnn<double>::fill_telemetry_forward(Telemetry&, int, int);

}  // namespace udlab
