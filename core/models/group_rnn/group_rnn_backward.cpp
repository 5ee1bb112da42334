// group-rnn backward over one chunk of steps (group_rnn.h): the readout, the layers from the top, the
// embedding. Every reduction over positions (parameter gradients) runs in blocks of kGradBlock steps,
// latest block first, so that the order of the additions, and hence every bit, is the same however
// the steps are cut into chunks.
#include "core/models/group_rnn/group_rnn.h"

namespace udlab {

template <class S>
void GroupRnn<S>::backward_chunk(int c, Telemetry* tel) {
  auto& d = this->be_.dense();
  auto& ps = this->params_;
  const int B = cur_B_, Tc = chunk_len(c), V = this->vocab_;
  const int last_block = (Tc - 1) / kGradBlock * kGradBlock;
  const S* top = acts_.back().H.data() + size_t(B) * nn_;
  S* G = gA_.data();
  S* dx = gB_.data();
  // Readout: ∂W_R += dlogitsᵀ·h, ∂c += Σ dlogits, G = dlogits·W_R (pooled: G = c[b,t]·∂ℓ/∂pooled[b], the
  // head's gradients having been taken once before the chunks).
  for (int s = last_block; s >= 0; s -= kGradBlock) {
    const int rows = std::min(kGradBlock, Tc - s) * B;
    const size_t r0 = size_t(s) * B;
    if (head_.pooled()) head_.unpool(d, c * K_ + s, std::min(kGradBlock, Tc - s), G + r0 * nn_);
    else if (xi_readout_) head_.backward(d, ps, rd_.data() + r0 * 2 * nn_, rows, dlogits_.data() + r0 * V, rdg_.data() + r0 * 2 * nn_, true);
    else head_.backward(d, ps, top + r0 * nn_, rows, dlogits_.data() + r0 * V, G + r0 * nn_, true);
  }
  if (xi_readout_) readout_grad(L_ - 1, c, Tc, G);
  for (int l = L_ - 1; l >= 0; --l) {
    layer_bwd(l, c, G, dx, tel);
    std::swap(G, dx);
  }
  // After the last swap G holds ∂L/∂x0 of the chunk.
  const size_t tb0 = size_t(c) * K_ * B;
  for (int s = last_block; s >= 0; s -= kGradBlock) {
    const int rows = std::min(kGradBlock, Tc - s) * B;
    const size_t r0 = size_t(s) * B;
    d.embedding_bwd(G + r0 * m_, idx_.data() + tb0 + r0, ps.grad(emb_), rows, m_);
  }
}

template <class S>
void GroupRnn<S>::layer_bwd(int l, int c, S* G, S* dx, Telemetry* tel) {
  auto& d = this->be_.dense();
  auto& go = this->be_.group();
  auto& ps = this->params_;
  const LayerParams& q = lp_[l];
  const int B = cur_B_, Tc = chunk_len(c);
  LayerActs& a = acts_[l];
  const bool mix = cfg_mixing();
  S alpha = 1, beta = 0;
  if (mix) {
    alpha = read_param(q.alpha)[0];
    beta = read_param(q.beta)[0];
  }
  const bool want_norm = tel && l == L_ - 1;
  std::vector<double> grad_norm(want_norm ? Tc : 0);
  typename GroupOps<S>::RnnLayer R;
  R.B = B; R.T = Tc; R.U = ps.value(q.U); R.mixing = mix; R.alpha = alpha; R.beta = beta;
  R.xi_bound = this->cfg_.xi_bound;
  R.Xi = a.Xi.data(); R.Xh = mix ? a.Xh.data() : nullptr; R.H = a.H.data();
  R.t0 = c * K_; R.T_total = cur_T_;
  if (chunks_ > 1) {  // carries between chunks (the whole-sequence call needs none)
    const size_t bnn = size_t(B) * nn_;
    R.carry_in = c != chunks_ - 1;
    if (mix) {
      if (c > 0) R.xh_prev = a.Xs.data() + c * bnn;
      R.xh_bar = a.xh_bar.data();
      a.ab.resize(B);
      a.bb.resize(B);
      R.ab = a.ab.data();
      R.bb = a.bb.data();
    }
  }
  double alpha_bar = 0, beta_bar = 0;
  go.rnn_backward(g_, R, G, dA_.data(), a.carry.data(), &alpha_bar, &beta_bar, want_norm ? grad_norm.data() : nullptr);
  if (xi_readout_ && l == L_ - 1) {  // the readout's ξ_t = Π(A_t): Ā_t += Π(ξ̄_t); ∂L/∂h_0 += Uᵀ Π(ξ̄_0)
    go.axpby(S(1), dA_.data(), S(1), xb_.data(), dA_.data(), size_t(Tc) * B * nn_);
    if (c == 0) go.axpby(S(1), a.carry.data(), S(1), ub_.data(), a.carry.data(), size_t(B) * nn_);
  }
  if (want_norm) std::copy(grad_norm.begin(), grad_norm.end(), tel_grad_norm_.begin() + R.t0);
  if (mix && c == 0) {
    S ab[2] = {S(alpha_bar), S(beta_bar)};
    this->be_.upload_bytes(ps.grad(q.alpha), &ab[0], sizeof(S));
    this->be_.upload_bytes(ps.grad(q.beta), &ab[1], sizeof(S));
  }
  // Parameter gradients and ∂L/∂x, one block of kGradBlock steps at a time, latest first.
  const S* X = layer_input(l, c);
  for (int s = (Tc - 1) / kGradBlock * kGradBlock; s >= 0; s -= kGradBlock) {
    const int rows = std::min(kGradBlock, Tc - s) * B;
    const size_t r0 = size_t(s) * B;
    const S* da = dA_.data() + r0 * nn_;
    go.matmul_sum(n_, g_.block, rows, false, true, da, a.H.data() + r0 * nn_, ps.grad(q.U));  // Ū += Σ Ā_t h_tᵀ
    d.row_bias_grad(da, ps.grad(q.B), rows, nn_);
    d.gemm(true, false, nn_, q.in, rows, S(1), da, nn_, X + r0 * q.in, q.in, S(1), ps.grad(q.W), q.in);
    d.gemm(false, false, rows, q.in, nn_, S(1), da, nn_, ps.value(q.W), q.in, S(0), dx + r0 * q.in, q.in);
  }
}

// --readout token-xi: splits the readout's gradient [h̄_{t+1} | ξ̄_t] into G (∂L/∂h_{t+1}) and xb_ = Π(ξ̄_t),
// and adds ξ_t's path through A_t = … + U h_t, Uᵀ·xb_t, to ∂L/∂h_t: G's row t − 1. A chunk's first rows
// wait in pending_ for the chunk before (or go to ∂L/∂h_0 in layer_bwd), so that every row of G gets the
// same two-term sum with and without recomputation (bit-identical gradients).
template <class S>
void GroupRnn<S>::readout_grad(int l, int c, int Tc, S* G) {
  auto& go = this->be_.group();
  const int B = cur_B_;
  const size_t rows = size_t(Tc) * B, bytes = sizeof(S) * nn_, bnn = size_t(B) * nn_;
  for (size_t r = 0; r < rows; ++r) {
    this->be_.copy_bytes(G + r * nn_, rdg_.data() + r * 2 * nn_, bytes);
    this->be_.copy_bytes(xb_.data() + r * nn_, rdg_.data() + (r * 2 + 1) * nn_, bytes);
  }
  go.project(g_, xb_.data(), xb_.data(), int(rows));
  go.matmul(n_, int(rows), true, false, S(1), this->params_.value(lp_[l].U), 0, xb_.data(), nn_, S(0), ub_.data());
  if (Tc > 1) go.axpby(S(1), G, S(1), ub_.data() + bnn, G, (rows - B) * nn_);
  if (c != chunks_ - 1) go.axpby(S(1), G + (rows - B) * nn_, S(1), pending_.data(), G + (rows - B) * nn_, bnn);
  if (c > 0) this->be_.copy_bytes(pending_.data(), ub_.data(), sizeof(S) * bnn);
}

// After the first chunk: P0's gradient from ∂L/∂h_0.
template <class S>
void GroupRnn<S>::layer_bwd_finish(int l) {
  const LayerParams& q = lp_[l];
  if (q.h0 < 0) return;
  auto& go = this->be_.group();
  auto& ps = this->params_;
  const int B = cur_B_;
  // h_0 = R·exp(Π P0) for every sequence: Ē = Rᵀ Σ_b h̄_0[b], P̄0 = Π L(Π(P0)ᵀ, Ē).
  std::vector<S> hb = acts_[l].carry.download(), sum(nn_, S(0));
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < nn_; ++i) sum[i] += hb[size_t(b) * nn_ + i];
  if (this->cfg_.reflect)
    for (int i = 0; i < n_; ++i) sum[i] = -sum[i];
  this->be_.upload_bytes(Ebar_.data(), sum.data(), sizeof(S) * nn_);
  go.project(g_, ps.value(q.h0), p0_.data(), 1);
  go.exp_adjoint(g_, p0_.data(), Ebar_.data(), ps.grad(q.h0), nullptr, 1);
}

#define UDLAB_GROUP_RNN_BWD(S)                                             \
  template void GroupRnn<S>::backward_chunk(int, Telemetry*);              \
  template void GroupRnn<S>::layer_bwd(int, int, S*, S*, Telemetry*);      \
  template void GroupRnn<S>::layer_bwd_finish(int);                        \
  template void GroupRnn<S>::readout_grad(int, int, int, S*);
UDLAB_GROUP_RNN_BWD(float)
UDLAB_GROUP_RNN_BWD(double)
#undef UDLAB_GROUP_RNN_BWD

}  // namespace udlab
