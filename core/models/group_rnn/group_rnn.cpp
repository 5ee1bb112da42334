#include "core/models/batch_check.h"
#include "core/models/time_major_batch.h"
#include "core/models/group_rnn/group_rnn.h"

#include <cmath>
#include <limits>

#include "core/models/model_registry.h"
#include "core/util/error.h"

namespace udlab {

template <class S>
GroupRnn<S>::GroupRnn(const ModelConfig& cfg, int vocab, Backend<S>& be) : Model<S>(cfg, vocab, be) {
  const std::string n = "group-rnn";
  if (vocab < 1) throw Error(n + ": vocabulary size must be at least 1 (got " + std::to_string(vocab) + ")");
  if (cfg.layers < 1) throw Error(n + ": --layers must be at least 1 (got " + std::to_string(cfg.layers) + ")");
  if (cfg.embed < 1) throw Error(n + ": --embed must be at least 1 (got " + std::to_string(cfg.embed) + ")");
  if (cfg.d < 1 || cfg.d > 512) throw Error(n + ": --d must be in [1, 512] (got " + std::to_string(cfg.d) + ")");
  if (!(cfg.reorth_threshold > 0)) throw Error(n + ": reorth_threshold must be positive");
  group_ = make_group(cfg.group, cfg.d);
  if (cfg.reflect && !group_.reflectable())
    throw Error(n + ": --reflect applies only to group o (O(d)); got group '" + group_.name() + "'");
  g_ = group_.spec();
  n_ = g_.n;
  nn_ = n_ * n_;
  L_ = cfg.layers;
  m_ = cfg.embed;
  auto& ps = this->params_;
  emb_ = ps.add("embedding.weight", {vocab, m_});
  lp_.resize(L_);
  for (int l = 0; l < L_; ++l) {
    std::string p = "layers." + std::to_string(l) + ".";
    LayerParams& q = lp_[l];
    q.in = l == 0 ? m_ : nn_;
    q.W = ps.add(p + "W", {nn_, q.in});
    q.U = ps.add(p + "U", {n_, n_});
    q.B = ps.add(p + "B", {n_, n_}, false);
    if (cfg.mixing) {
      q.alpha = ps.add(p + "alpha", {1}, false);
      q.beta = ps.add(p + "beta", {1}, false);
    }
    if (cfg.learn_h0) q.h0 = ps.add(p + "h0", {n_, n_}, false);
  }
  head_.add_params(ps, nn_, vocab);
}

template <class S>
void GroupRnn<S>::init(Rng& rng) {
  auto& ps = this->params_;
  if (!ps.allocated()) throw Error("group-rnn: init() before params().allocate()");
  std::vector<S> host(ps.numel(), S(0));
  auto fill = [&](int idx, double sd) {
    const ParamSpec& s = ps.specs()[idx];
    for (size_t i = 0; i < s.numel; ++i) host[s.offset + i] = S(sd * rng.normal());
  };
  const double g = this->cfg_.xi_init / std::sqrt(double(std::max(1, g_.dim)));
  fill(emb_, 1.0);
  for (int l = 0; l < L_; ++l) {
    const double var_x = l == 0 ? 1.0 : 1.0 / n_;
    fill(lp_[l].W, g / std::sqrt(2.0 * lp_[l].in * var_x));
    fill(lp_[l].U, g / std::sqrt(2.0));
    if (lp_[l].alpha >= 0) host[ps.specs()[lp_[l].alpha].offset] = S(1);
  }
  fill(head_.weight(), 0.5 / std::sqrt(double(n_)));
  ps.upload_values(host);
}

template <class S>
size_t GroupRnn<S>::workspace_bytes(int B, int T) const {
  const double TB = double(B) * T, nn = nn_, V = this->vocab_;
  double elems = TB * m_                                   // embedded inputs
                 + L_ * ((TB + B) * nn + TB * nn * (cfg_mixing() ? 2 : 1))  // H, Xi, Xh
                 + 2 * TB * V                              // logits, dlogits
                 + 2 * TB * std::max<double>(m_, nn)       // gA, gB
                 + TB * nn                                 // dA
                 + 2.0 * B * nn + 2 * nn + TB;             // h̄_0, Ē, h0, Π(P0), weights
  double ints = 2 * TB;
  // The ops keep [T·B] doubles of host statistics and a few n² scratch matrices per thread.
  return size_t(elems * sizeof(S) + ints * sizeof(int32_t) + 3 * TB * sizeof(double));
}

template <class S>
void GroupRnn<S>::check_batch(const Batch& batch) const {
  const std::string n = "group-rnn";
  if (!this->params_.allocated()) throw Error(n + ": parameters are not allocated");
  check_batch_for(batch, this->vocab_, double(std::max(nn_, std::max(m_, this->vocab_))), n);
}

template <class S>
void GroupRnn<S>::resize(int B, int T) {
  if (B == cur_B_ && T == cur_T_) return;
  Device& dev = this->be_;
  const size_t TB = size_t(B) * T, wide = size_t(std::max(m_, nn_));
  idx_.resize(dev, TB);
  targets_.resize(dev, TB);
  weights_.resize(dev, TB);
  x0_.resize(dev, TB * m_);
  acts_.resize(L_);
  for (auto& a : acts_) {
    a.H.resize(dev, (TB + B) * nn_);
    a.Xi.resize(dev, TB * nn_);
    if (cfg_mixing()) a.Xh.resize(dev, TB * nn_);
  }
  logits_.resize(dev, TB * this->vocab_);
  dlogits_.resize(dev, TB * this->vocab_);
  gA_.resize(dev, TB * wide);
  gB_.resize(dev, TB * wide);
  dA_.resize(dev, TB * nn_);
  for (auto* b : {&Ebar_, &hb_}) b->resize(dev, size_t(B) * nn_);
  h0_.resize(dev, nn_);
  p0_.resize(dev, nn_);
  cur_B_ = B;
  cur_T_ = T;
}

template <class S>
std::vector<S> GroupRnn<S>::read_param(int idx) const {
  const ParamSpec& s = this->params_.specs()[idx];
  std::vector<S> v(s.numel);
  this->be_.download_bytes(v.data(), this->params_.value(idx), s.numel * sizeof(S));
  return v;
}

template <class S>
const S* GroupRnn<S>::layer_input(int l) const {
  return l == 0 ? x0_.data() : acts_[l - 1].H.data() + size_t(cur_B_) * nn_;
}

// h_0 of layer l into h0_ (and Π(P0) into p0_), then broadcast to the B slots of H[0].
template <class S>
void GroupRnn<S>::initial_state(int l, int B) {
  auto& go = this->be_.group();
  auto& be = this->be_;
  if (lp_[l].h0 >= 0) {
    go.project(g_, this->params_.value(lp_[l].h0), p0_.data(), 1);
    go.exp(g_, p0_.data(), h0_.data(), 1);
  } else {
    std::vector<S> id = group_.template initial_state<S>(false);
    h0_.upload(id);
  }
  // diag(−1, 1, …)·h negates row 0, which is contiguous in row-major storage.
  if (this->cfg_.reflect) be.dense().scale(h0_.data(), S(-1), size_t(n_));
  S* H0 = acts_[l].H.data();
  for (int b = 0; b < B; ++b) be.copy_bytes(H0 + size_t(b) * nn_, h0_.data(), sizeof(S) * nn_);
}

template <class S>
void GroupRnn<S>::layer_fwd(int l, int B, int T, Telemetry* tel) {
  auto& d = this->be_.dense();
  auto& go = this->be_.group();
  auto& ps = this->params_;
  const LayerParams& q = lp_[l];
  const int TB = B * T;
  LayerActs& a = acts_[l];
  // The input part of every A_t at once: Xi = X·Wᵀ + B, one GEMM over all B·T positions.
  d.gemm(false, true, TB, nn_, q.in, S(1), layer_input(l), q.in, ps.value(q.W), q.in, S(0), a.Xi.data(), nn_);
  d.add_row_bias(a.Xi.data(), ps.value(q.B), TB, nn_);
  S alpha = 1, beta = 0;
  if (cfg_mixing()) {
    alpha = read_param(q.alpha)[0];
    beta = read_param(q.beta)[0];
  }
  initial_state(l, B);
  typename GroupOps<S>::RnnLayer R;
  R.B = B; R.T = T; R.U = ps.value(q.U); R.mixing = cfg_mixing(); R.alpha = alpha; R.beta = beta;
  R.Xi = a.Xi.data(); R.Xh = cfg_mixing() ? a.Xh.data() : nullptr; R.H = a.H.data();
  std::vector<double> mem;
  if (tel) mem.resize(T);
  reorth_events_ += go.rnn_forward(g_, R, kReorthEvery, this->cfg_.reorth_threshold, tel ? mem.data() : nullptr);
  if (tel)
    for (int t = 0; t < T; ++t) tel_membership_[t] = std::max(tel_membership_[t], mem[t]);
}

template <class S>
void GroupRnn<S>::forward_layers(int B, int T, Telemetry* tel) {
  this->be_.dense().embedding_fwd(this->params_.value(emb_), idx_.data(), x0_.data(), B * T, m_);
  reorth_events_ = 0;
  if (tel) tel_membership_.assign(T, 0.0);
  for (int l = 0; l < L_; ++l) layer_fwd(l, B, T, tel);
}

template <class S>
void GroupRnn<S>::layer_bwd(int l, S* G, S* dx, int B, int T, Telemetry* tel) {
  auto& d = this->be_.dense();
  auto& go = this->be_.group();
  auto& ps = this->params_;
  const LayerParams& q = lp_[l];
  const int TB = B * T;
  LayerActs& a = acts_[l];
  const bool mix = cfg_mixing();
  S alpha = 1, beta = 0;
  if (mix) {
    alpha = read_param(q.alpha)[0];
    beta = read_param(q.beta)[0];
  }
  double alpha_bar = 0, beta_bar = 0;
  std::vector<double> grad_norm;
  const bool want_norm = tel && l == L_ - 1;
  if (want_norm) grad_norm.assign(T, 0.0);
  typename GroupOps<S>::RnnLayer R;
  R.B = B; R.T = T; R.U = ps.value(q.U); R.mixing = mix; R.alpha = alpha; R.beta = beta;
  R.Xi = a.Xi.data(); R.Xh = mix ? a.Xh.data() : nullptr; R.H = a.H.data();
  go.rnn_backward(g_, R, G, dA_.data(), hb_.data(), &alpha_bar, &beta_bar, want_norm ? grad_norm.data() : nullptr);
  if (want_norm) tel->profiles["state_grad_norm"] = std::move(grad_norm);
  // Parameter gradients: one reduction or GEMM each over all B·T positions.
  go.matmul_sum(n_, g_.block, TB, false, true, dA_.data(), a.H.data(), ps.grad(q.U));  // Ū += Σ Ā_t h_tᵀ
  d.row_bias_grad(dA_.data(), ps.grad(q.B), TB, nn_);
  d.gemm(true, false, nn_, q.in, TB, S(1), dA_.data(), nn_, layer_input(l), q.in, S(1), ps.grad(q.W), q.in);
  d.gemm(false, false, TB, q.in, nn_, S(1), dA_.data(), nn_, ps.value(q.W), q.in, S(0), dx, q.in);
  if (mix) {
    S ab[2] = {S(alpha_bar), S(beta_bar)};
    this->be_.upload_bytes(ps.grad(q.alpha), &ab[0], sizeof(S));
    this->be_.upload_bytes(ps.grad(q.beta), &ab[1], sizeof(S));
  }
  if (q.h0 >= 0) {
    // h_0 = R·exp(Π P0) for every sequence: Ē = Rᵀ Σ_b h̄_0[b], P̄0 = Π L(Π(P0)ᵀ, Ē).
    std::vector<S> hb = hb_.download(), sum(nn_, S(0));
    for (int b = 0; b < B; ++b)
      for (int i = 0; i < nn_; ++i) sum[i] += hb[size_t(b) * nn_ + i];
    if (this->cfg_.reflect)
      for (int i = 0; i < n_; ++i) sum[i] = -sum[i];
    this->be_.upload_bytes(Ebar_.data(), sum.data(), sizeof(S) * nn_);
    go.project(g_, ps.value(q.h0), p0_.data(), 1);
    go.exp_adjoint(g_, p0_.data(), Ebar_.data(), ps.grad(q.h0), nullptr, 1);
  }
}

template <class S>
StepResult GroupRnn<S>::forward_backward(const Batch& batch, bool backward, Telemetry* tel) {
  check_batch(batch);
  const int B = batch.B, T = batch.T, TB = B * T;
  resize(B, T);
  const double weight_sum = stage_time_major(batch, idx_, targets_, weights_);

  auto& d = this->be_.dense();
  auto& ps = this->params_;
  forward_layers(B, T, tel);
  const S* top = acts_.back().H.data() + size_t(B) * nn_;  // h_1..h_T of the last layer
  head_.set_batch(this->be_, batch, this->cfg_.readout, /*time_major=*/true);
  XentResult xr = head_.loss(d, ps, top, TB, logits_.data(), targets_.data(), weights_.data(), weight_sum,
                             backward ? dlogits_.data() : nullptr);
  StepResult res{xr.loss_sum, xr.weight_sum, xr.correct};
  if (tel) fill_telemetry_forward(*tel, B, T);
  if (!backward) return res;

  ps.zero_grads();
  S* G = gA_.data();
  S* dx = gB_.data();
  head_.backward(d, ps, top, TB, dlogits_.data(), G);
  for (int l = L_ - 1; l >= 0; --l) {
    layer_bwd(l, G, dx, B, T, tel);
    std::swap(G, dx);
  }
  // After the last swap G holds ∂L/∂x0.
  d.embedding_bwd(G, idx_.data(), ps.grad(emb_), TB, m_);
  return res;
}

template <class S>
std::vector<double> GroupRnn<S>::predict_next(const std::vector<int32_t>& context) {
  Batch b = context_batch(context, "group-rnn");
  check_batch(b);
  const int T = b.T;
  resize(1, T);
  idx_.upload(context);
  forward_layers(1, T, nullptr);
  const S* last = acts_.back().H.data() + size_t(T) * nn_;  // h_T
  return head_.row_logits(this->be_, this->params_, last, logits_.data());
}

template class GroupRnn<float>;
template class GroupRnn<double>;

UDLAB_REGISTER_MODEL(GroupRnn, "group-rnn",
                     "RNN whose state is a matrix in a subgroup of U(d): h <- h exp(Pi(W x + U h + B))", "d");

}  // namespace udlab
