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
  if (!(cfg.io_lr_factor > 0)) throw Error(n + ": --io-lr-factor must be positive");
  emb_ = ps.add("embedding.weight", {vocab, m_}, true, cfg.io_lr_factor);
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
  xi_readout_ = cfg.readout == "token-xi";
  head_.add_params(ps, xi_readout_ ? 2 * nn_ : nn_, vocab, cfg.io_lr_factor);
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
  const int Kc = this->cfg_.recompute_chunk > 0 ? std::min(T, this->cfg_.recompute_chunk) : T;
  const int chunks = (T + Kc - 1) / Kc;
  const double TB = double(B) * T, KB = double(B) * Kc, nn = nn_, V = this->vocab_, mix = cfg_mixing() ? 1 : 0;
  double per_layer = (KB + B) * nn + KB * nn * (1 + mix)  // H, Xi, Xh of one chunk
                     + B * nn;                            // ∂L/∂h carry
  if (chunks > 1) per_layer += chunks * B * nn * (1 + mix) + mix * B * nn;  // chunk starts, ∂L/∂ξ̂ carry
  double elems = TB * m_                                  // embedded inputs
                 + L_ * per_layer
                 + 2 * KB * V                             // logits, dlogits
                 + 2 * KB * std::max<double>(m_, nn)      // gA, gB
                 + KB * nn                                // dA
                 + 3 * nn + TB;                           // Ē, h0, Π(P0), weights
  double ints = 2 * TB;
  // The ops keep [K·B] doubles of host statistics and a few n² scratch matrices per thread; the
  // telemetry keeps five [T] profiles.
  return size_t(elems * sizeof(S) + ints * sizeof(int32_t) + (3 * KB + 5.0 * T) * sizeof(double));
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
  const int K = this->cfg_.recompute_chunk > 0 ? std::min(T, this->cfg_.recompute_chunk) : T;
  if (K % kGradBlock != 0 && K != T)
    throw Error("group-rnn: recompute_chunk must be a multiple of " + std::to_string(kGradBlock));
  const int chunks = (T + K - 1) / K;
  const size_t TB = size_t(B) * T, KB = size_t(B) * K, wide = size_t(std::max(m_, nn_));
  idx_.resize(dev, TB);
  targets_.resize(dev, TB);
  weights_.resize(dev, TB);
  x0_.resize(dev, TB * m_);
  acts_.resize(L_);
  for (auto& a : acts_) {
    a.H.resize(dev, (KB + B) * nn_);
    a.Xi.resize(dev, KB * nn_);
    if (cfg_mixing()) a.Xh.resize(dev, KB * nn_);
    a.carry.resize(dev, size_t(B) * nn_);
    if (chunks > 1) {
      a.Hs.resize(dev, size_t(chunks) * B * nn_);
      if (cfg_mixing()) {
        a.Xs.resize(dev, size_t(chunks) * B * nn_);
        a.xh_bar.resize(dev, size_t(B) * nn_);
      }
    }
  }
  logits_.resize(dev, KB * this->vocab_);
  dlogits_.resize(dev, KB * this->vocab_);
  gA_.resize(dev, KB * wide);
  gB_.resize(dev, KB * wide);
  dA_.resize(dev, KB * nn_);
  if (xi_readout_) {
    rd_.resize(dev, KB * 2 * nn_);
    rdg_.resize(dev, KB * 2 * nn_);
    xb_.resize(dev, KB * nn_);
    ub_.resize(dev, KB * nn_);
    pending_.resize(dev, size_t(B) * nn_);
  }
  Ebar_.resize(dev, nn_);
  h0_.resize(dev, nn_);
  p0_.resize(dev, nn_);
  cur_B_ = B;
  cur_T_ = T;
  K_ = K;
  chunks_ = chunks;
}

template <class S>
std::vector<S> GroupRnn<S>::read_param(int idx) const {
  const ParamSpec& s = this->params_.specs()[idx];
  std::vector<S> v(s.numel);
  this->be_.download_bytes(v.data(), this->params_.value(idx), s.numel * sizeof(S));
  return v;
}

// Rows of chunk c's input to layer l: the embedded tokens, or h_{t0+1}.. of the layer below.
template <class S>
const S* GroupRnn<S>::layer_input(int l, int c) const {
  return l == 0 ? x0_.data() + size_t(c) * K_ * cur_B_ * m_ : acts_[l - 1].H.data() + size_t(cur_B_) * nn_;
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
void GroupRnn<S>::layer_fwd(int l, int c, bool first_pass, Telemetry* tel) {
  auto& d = this->be_.dense();
  auto& go = this->be_.group();
  auto& ps = this->params_;
  const LayerParams& q = lp_[l];
  const int B = cur_B_, Tc = chunk_len(c);
  const size_t bnn = size_t(B) * nn_;
  LayerActs& a = acts_[l];
  if (c == 0) initial_state(l, B);
  else this->be_.copy_bytes(a.H.data(), a.Hs.data() + c * bnn, sizeof(S) * bnn);
  // The input part of every A_t: Xi = X·Wᵀ + B, one GEMM per block of kGradBlock steps.
  const S* X = layer_input(l, c);
  for (int s = 0; s < Tc; s += kGradBlock) {
    const int rows = std::min(kGradBlock, Tc - s) * B;
    S* xi = a.Xi.data() + size_t(s) * bnn;
    d.gemm(false, true, rows, nn_, q.in, S(1), X + size_t(s) * B * q.in, q.in, ps.value(q.W), q.in, S(0), xi, nn_);
    d.add_row_bias(xi, ps.value(q.B), rows, nn_);
  }
  S alpha = 1, beta = 0;
  if (cfg_mixing()) {
    alpha = read_param(q.alpha)[0];
    beta = read_param(q.beta)[0];
  }
  typename GroupOps<S>::RnnLayer R;
  R.B = B; R.T = Tc; R.U = ps.value(q.U); R.mixing = cfg_mixing(); R.alpha = alpha; R.beta = beta;
  R.xi_bound = this->cfg_.xi_bound;
  R.Xi = a.Xi.data(); R.Xh = cfg_mixing() ? a.Xh.data() : nullptr; R.H = a.H.data();
  R.t0 = c * K_; R.T_total = cur_T_;
  if (cfg_mixing() && c > 0) R.xh_prev = a.Xs.data() + c * bnn;
  std::vector<double> mem;
  const bool want_mem = tel && first_pass;
  if (want_mem) mem.resize(Tc);
  const int ev = go.rnn_forward(g_, R, kReorthEvery, this->cfg_.reorth_threshold, want_mem ? mem.data() : nullptr);
  if (first_pass) reorth_events_ += ev;
  if (want_mem)
    for (int t = 0; t < Tc; ++t) tel_membership_[R.t0 + t] = std::max(tel_membership_[R.t0 + t], mem[t]);
  // The next chunk's start: h_{t0+Tc} and ξ̂_{t0+Tc−1}.
  if (first_pass && c + 1 < chunks_) {
    this->be_.copy_bytes(a.Hs.data() + (c + 1) * bnn, a.H.data() + Tc * bnn, sizeof(S) * bnn);
    if (cfg_mixing()) this->be_.copy_bytes(a.Xs.data() + (c + 1) * bnn, a.Xh.data() + (Tc - 1) * bnn, sizeof(S) * bnn);
  }
}

template <class S>
void GroupRnn<S>::forward_chunk(int c, bool first_pass, bool want_grad, Telemetry* tel, XentResult* xr) {
  for (int l = 0; l < L_; ++l) layer_fwd(l, c, first_pass, tel);
  const int B = cur_B_, Tc = chunk_len(c), V = this->vocab_;
  const size_t tb0 = size_t(c) * K_ * B;
  const S* top = acts_.back().H.data() + size_t(B) * nn_;  // h_{t0+1}..h_{t0+Tc} of the last layer
  if (xr || want_grad)  // predict_next needs only the last state
  for (int s = 0; s < Tc; s += kGradBlock) {
    const int rows = std::min(kGradBlock, Tc - s) * B;
    const size_t r0 = size_t(s) * B;
    if (head_.pooled()) {  // pooled once, in the first pass (a recomputation pass must not touch it)
      if (first_pass) head_.pool(this->be_.dense(), top + r0 * nn_, c * K_ + s, std::min(kGradBlock, Tc - s));
      continue;
    }
    if (xi_readout_) readout_rows(rows, r0, top);
    const S* in = xi_readout_ ? rd_.data() + r0 * 2 * nn_ : top + r0 * nn_;
    XentResult x = head_.loss(this->be_.dense(), this->params_, in, rows, logits_.data() + r0 * V,
                              targets_.data() + tb0 + r0, weights_.data() + tb0 + r0, weight_sum_,
                              want_grad ? dlogits_.data() + r0 * V : nullptr);
    if (xr) {
      xr->loss_sum += x.loss_sum;
      xr->weight_sum += x.weight_sum;
      xr->correct += x.correct;
    }
  }
  if (tel && first_pass) telemetry_chunk(c);
}

template <class S>
void GroupRnn<S>::forward_all(bool want_grad, Telemetry* tel, XentResult* xr) {
  this->be_.dense().embedding_fwd(this->params_.value(emb_), idx_.data(), x0_.data(), cur_B_ * cur_T_, m_);
  reorth_events_ = 0;
  if (tel) {
    tel_membership_.assign(cur_T_, 0.0);
    tel_norm_mean_.assign(cur_T_, 0.0);
    tel_norm_min_.assign(cur_T_, 0.0);
    tel_norm_max_.assign(cur_T_, 0.0);
    tel_xi_sum_ = tel_xi_max_ = 0;
  }
  for (int c = 0; c < chunks_; ++c) forward_chunk(c, true, want_grad, tel, xr);
  if (xr && head_.pooled()) *xr = head_.pooled_loss(this->be_.dense(), this->params_, logits_.data(),
                                                    want_grad ? dlogits_.data() : nullptr);
}

template <class S>
StepResult GroupRnn<S>::forward_backward(const Batch& batch, bool backward, Telemetry* tel) {
  check_batch(batch);
  // The pooled readout (labelled batches) pools a block of kGradBlock steps at a time, as the token loss runs.
  head_.set_batch(this->be_, batch, xi_readout_ ? "token" : this->cfg_.readout, /*time_major=*/true);
  resize(batch.B, batch.T);
  weight_sum_ = stage_time_major(batch, idx_, targets_, weights_);
  XentResult xr{};
  forward_all(backward, tel, &xr);
  StepResult res{xr.loss_sum, xr.weight_sum, xr.correct};
  if (tel) fill_telemetry_forward(*tel);
  if (!backward) return res;

  this->params_.zero_grads();
  if (head_.pooled()) head_.pooled_backward(this->be_.dense(), this->params_, dlogits_.data(), true);
  if (tel) tel_grad_norm_.assign(cur_T_, 0.0);
  // The last chunk's activations are still in the buffers; every earlier one is recomputed.
  for (int c = chunks_ - 1; c >= 0; --c) {
    if (c != chunks_ - 1) forward_chunk(c, false, true, nullptr, nullptr);
    backward_chunk(c, tel);
  }
  for (int l = 0; l < L_; ++l) layer_bwd_finish(l);
  if (tel) tel->profiles["state_grad_norm"] = tel_grad_norm_;
  return res;
}

template <class S>
std::vector<double> GroupRnn<S>::predict_next(const std::vector<int32_t>& context) {
  Batch b = context_batch(context, "group-rnn");
  check_batch(b);
  resize(1, b.T);
  idx_.upload(context);
  forward_all(false, nullptr, nullptr);
  const int Tl = chunk_len(chunks_ - 1);
  const S* last = acts_.back().H.data() + size_t(Tl) * nn_;  // h_T
  if (!xi_readout_) return head_.row_logits(this->be_, this->params_, last, logits_.data());
  readout_rows(1, size_t(Tl - 1), acts_.back().H.data() + nn_);  // [h_T | ξ_{T−1}]
  return head_.row_logits(this->be_, this->params_, rd_.data() + size_t(Tl - 1) * 2 * nn_, logits_.data());
}

// Rows r0.. of the chunk's readout input: [h_{t+1} | ξ_t] of the last layer (top: its h_{t0+1}..).
template <class S>
void GroupRnn<S>::readout_rows(int rows, size_t r0, const S* top) {
  const S* xi = acts_.back().Xi.data();
  const size_t bytes = sizeof(S) * nn_;
  for (size_t r = r0; r < r0 + rows; ++r) {
    this->be_.copy_bytes(rd_.data() + r * 2 * nn_, top + r * nn_, bytes);
    this->be_.copy_bytes(rd_.data() + (r * 2 + 1) * nn_, xi + r * nn_, bytes);
  }
}

template class GroupRnn<float>;
template class GroupRnn<double>;

UDLAB_REGISTER_MODEL(GroupRnn, "group-rnn",
                     "RNN whose state is a matrix in a subgroup of U(d): h <- h exp(Pi(W x + U h + B))", "d");

}  // namespace udlab
