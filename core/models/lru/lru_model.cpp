#include "core/models/batch_check.h"
#include "core/models/telemetry_profile.h"
#include "core/models/lru/lru_model.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <limits>
#include <string>

#include "core/models/model_registry.h"
#include "core/util/error.h"

namespace udlab {

LruScanMethod lru_scan_method_from_env() {
  const char* v = std::getenv("UDLAB_LRU_SCAN");
  if (!v || !*v || std::string(v) == "chunked") return LruScanMethod::kChunked;
  if (std::string(v) == "loop") return LruScanMethod::kLoop;
  throw Error(std::string("UDLAB_LRU_SCAN must be 'chunked' or 'loop' (got '") + v + "')");
}

template <class S>
LruModel<S>::LruModel(const ModelConfig& cfg, int vocab, Backend<S>& be)
    : Model<S>(cfg, vocab, be), method_(lru_scan_method_from_env()) {
  if (vocab < 1) throw Error("lru: vocabulary size must be at least 1 (got " + std::to_string(vocab) + ")");
  if (cfg.layers < 1) throw Error("lru: --layers must be at least 1 (got " + std::to_string(cfg.layers) + ")");
  if (cfg.hidden < 1) throw Error("lru: --hidden must be at least 1 (got " + std::to_string(cfg.hidden) + ")");
  if (cfg.state < 1) throw Error("lru: --state must be at least 1 (got " + std::to_string(cfg.state) + ")");
  if (!(cfg.dropout >= 0 && cfg.dropout < 1))
    throw Error("lru: --dropout must be in [0, 1) (got " + std::to_string(cfg.dropout) + ")");
  if (!(cfg.lru_lr_factor > 0)) throw Error("lru: --lru-lr-factor must be positive");
  if (double(std::max(cfg.hidden, vocab)) * std::max(cfg.hidden, cfg.state) > double(std::numeric_limits<int>::max()))
    throw Error("lru: --hidden/--state too large");

  auto& ps = this->params_;
  const int H = cfg.hidden;
  // nanoGPT convention for the non-LRU tensors: matrices decay, vectors (biases, norms) do not.
  emb_ = ps.add("embedding.weight", {vocab, H});
  for (int l = 0; l < cfg.layers; ++l) {
    std::string p = "blocks." + std::to_string(l) + ".";
    BlockParams b;
    b.norm_w = ps.add(p + "norm.weight", {H}, false);
    b.norm_b = ps.add(p + "norm.bias", {H}, false);
    lru_.push_back(make_lru_mixer<S>(cfg, H, be, ps, p + "lru."));
    b.w1 = ps.add(p + "glu.W1.weight", {H, H});
    b.b1 = ps.add(p + "glu.W1.bias", {H}, false);
    b.w2 = ps.add(p + "glu.W2.weight", {H, H});
    b.b2 = ps.add(p + "glu.W2.bias", {H}, false);
    bp_.push_back(b);
  }
  normf_w_ = ps.add("norm_f.weight", {H}, false);
  normf_b_ = ps.add("norm_f.bias", {H}, false);
  head_.add_params(ps, H, vocab);
}

template <class S>
void LruModel<S>::init(Rng& rng) {
  auto& ps = this->params_;
  if (!ps.allocated()) throw Error("lru: init() before params().allocate()");
  // Separate streams per part, so that switching an LRU ablation leaves every other tensor unchanged.
  Rng emb_rng(rng.next_u64()), lin_rng(rng.next_u64()), lru_rng(rng.next_u64());
  drop_rng_ = Rng(rng.next_u64());
  std::vector<S> host(ps.numel(), S(0));
  auto fill = [&](int i, auto draw) {
    const ParamSpec& s = ps.specs()[i];
    for (size_t j = 0; j < s.numel; ++j) host[s.offset + j] = S(draw());
  };
  const double a = 1.0 / std::sqrt(double(H()));
  auto uni = [&] { return (2 * lin_rng.uniform() - 1) * a; };  // nn.Linear: U(±1/sqrt(fan_in))
  fill(emb_, [&] { return emb_rng.normal(); });                 // nn.Embedding: N(0, 1)
  for (auto& b : bp_) {
    fill(b.norm_w, [] { return 1.0; });
    fill(b.w1, uni);
    fill(b.b1, uni);
    fill(b.w2, uni);
    fill(b.b2, uni);
  }
  fill(normf_w_, [] { return 1.0; });
  fill(head_.weight(), uni);
  fill(head_.bias(), uni);
  ps.upload_values(host);
  for (auto& layer : lru_) {
    Rng r(lru_rng.next_u64());
    layer->init(r);
  }
}

template <class S>
size_t LruModel<S>::activation_bytes(int B, int T) const {
  const double M = double(B) * T, Hd = H(), Nd = N(), V = this->vocab_, Ld = L();
  const double mask = this->cfg_.dropout > 0 ? 1 : 0;
  double elems = M                                  // loss weights
                 + (Ld + 1) * M * Hd                // residual streams
                 + Ld * (M * Hd * (5 + mask) + 2 * M)  // u, r, z, a, s (+ mask), mean, rstd
                 + Ld * lru_mixer_saved_elems(this->cfg_, M, Nd)  // per LRU: b, x (complex), λ
                 + M * Hd + 2 * M                   // final LayerNorm
                 + 2 * M * V                        // logits, dlogits
                 + 4 * M * Hd + 2 * M * Nd + M;     // backward scratch, δ, norms
  double bytes = elems * sizeof(S) + 2 * M * sizeof(int32_t);
  if (bytes >= double(std::numeric_limits<size_t>::max())) return std::numeric_limits<size_t>::max();
  return size_t(bytes);
}

template <class S>
size_t LruModel<S>::workspace_bytes(int B, int T) const {
  // Eigen packs at most a kc × (rows + cols) panel per GEMM per thread (kc <= 512).
  const double wide = std::max({double(H()), double(N()), double(this->vocab_)});
  double pack = 512.0 * 2 * wide * sizeof(S) * std::max(1, this->be_.threads());
  double bytes = double(activation_bytes(B, T)) + pack;
  if (bytes >= double(std::numeric_limits<size_t>::max())) return std::numeric_limits<size_t>::max();
  return size_t(bytes);
}

template <class S>
size_t LruModel<S>::owned_bytes() const {
  size_t n = (weights_.size() + hf_.size() + meanf_.size() + rstdf_.size() + logits_.size() + dlogits_.size() +
              dx_.size() + t1_.size() + t2_.size() + t3_.size() + d_re_.size() + d_im_.size() + norms_.size()) *
             sizeof(S);
  n += (idx_.size() + targets_.size()) * sizeof(int32_t);
  for (auto* v : {&xin_, &u_, &mean_, &rstd_, &r_, &z_, &a_, &s_, &mask_})
    for (auto& b : *v) n += b.size() * sizeof(S);
  for (auto& l : lru_) n += l->owned_bytes();
  return n;
}

template <class S>
void LruModel<S>::check_batch(const Batch& batch) const {
  if (!this->params_.allocated()) throw Error("lru: parameters are not allocated");
  check_batch_for(batch, this->vocab_, double(std::max({H(), N(), this->vocab_})), "lru");
}

template <class S>
void LruModel<S>::resize(int B, int T) {
  if (B == cur_B_ && T == cur_T_) return;
  Device& dev = this->be_;
  const size_t M = size_t(B) * T, MH = M * H(), MN = M * N();
  idx_.resize(dev, M);
  targets_.resize(dev, M);
  weights_.resize(dev, M);
  xin_.resize(L() + 1);
  for (auto& b : xin_) b.resize(dev, MH);
  for (auto* v : {&u_, &r_, &z_, &a_, &s_}) {
    v->resize(L());
    for (auto& b : *v) b.resize(dev, MH);
  }
  mask_.resize(this->cfg_.dropout > 0 ? L() : 0);
  for (auto& b : mask_) b.resize(dev, MH);
  for (auto* v : {&mean_, &rstd_}) {
    v->resize(L());
    for (auto& b : *v) b.resize(dev, M);
  }
  hf_.resize(dev, MH);
  meanf_.resize(dev, M);
  rstdf_.resize(dev, M);
  logits_.resize(dev, M * this->vocab_);
  dlogits_.resize(dev, M * this->vocab_);
  for (auto* b : {&dx_, &t1_, &t2_, &t3_}) b->resize(dev, MH);
  d_re_.resize(dev, MN);
  d_im_.resize(dev, MN);
  norms_.resize(dev, M);
  cur_B_ = B;
  cur_T_ = T;
}

template <class S>
void LruModel<S>::draw_mask(int l, size_t n) {
  // Inverted dropout from the model's own seeded stream: keep with probability 1 − p, scale by 1/(1 − p).
  const double p = this->cfg_.dropout;
  const S keep = S(1.0 / (1.0 - p));
  std::vector<S> m(n);
  for (auto& v : m) v = drop_rng_.uniform() < p ? S(0) : keep;
  mask_[l].upload(m);
}

template <class S>
void LruModel<S>::block_fwd(int l, int B, int T, bool train) {
  auto& d = this->be_.dense();
  auto& ps = this->params_;
  const BlockParams& p = bp_[l];
  const int M = B * T, Hh = H();
  const size_t MH = size_t(M) * Hh;
  d.layernorm_fwd(xin_[l].data(), ps.value(p.norm_w), ps.value(p.norm_b), u_[l].data(), mean_[l].data(),
                  rstd_[l].data(), M, Hh, 1e-5);
  lru_[l]->forward(this->be_, u_[l].data(), r_[l].data(), B, T, method_);
  d.gelu_fwd(r_[l].data(), z_[l].data(), MH);
  d.gemm(false, true, M, Hh, Hh, S(1), z_[l].data(), Hh, ps.value(p.w1), Hh, S(0), a_[l].data(), Hh);
  d.add_row_bias(a_[l].data(), ps.value(p.b1), M, Hh);
  d.gemm(false, true, M, Hh, Hh, S(1), z_[l].data(), Hh, ps.value(p.w2), Hh, S(0), s_[l].data(), Hh);
  d.add_row_bias(s_[l].data(), ps.value(p.b2), M, Hh);
  d.sigmoid_fwd(s_[l].data(), s_[l].data(), MH);
  S* o = t1_.data();
  d.mul(a_[l].data(), s_[l].data(), o, MH);
  if (train && this->cfg_.dropout > 0) {
    draw_mask(l, MH);
    d.mul(o, mask_[l].data(), o, MH);
  }
  this->be_.copy_bytes(xin_[l + 1].data(), xin_[l].data(), MH * sizeof(S));
  d.axpy(S(1), o, xin_[l + 1].data(), MH);
}

template <class S>
void LruModel<S>::forward_trunk(int B, int T, bool train) {
  auto& d = this->be_.dense();
  auto& ps = this->params_;
  const int M = B * T;
  d.embedding_fwd(ps.value(emb_), idx_.data(), xin_[0].data(), M, H());
  for (int l = 0; l < L(); ++l) block_fwd(l, B, T, train);
  d.layernorm_fwd(xin_[L()].data(), ps.value(normf_w_), ps.value(normf_b_), hf_.data(), meanf_.data(),
                  rstdf_.data(), M, H(), 1e-5);
}

template <class S>
void LruModel<S>::block_bwd(int l, S* dx, int B, int T, Telemetry* tel) {
  auto& d = this->be_.dense();
  auto& ps = this->params_;
  const BlockParams& p = bp_[l];
  const int M = B * T, Hh = H();
  const size_t MH = size_t(M) * Hh;
  const S* go = dx;  // ∂L/∂(GLU output) = dx, through the dropout mask when there is one
  if (!mask_.empty()) {
    d.mul(dx, mask_[l].data(), t1_.data(), MH);
    go = t1_.data();
  }
  S* da = t2_.data();
  S* dp = t3_.data();
  const S* s = s_[l].data();
  d.mul(go, s, da, MH);           // ∂/∂a = go ⊙ s
  d.mul(go, a_[l].data(), dp, MH);  // ∂/∂s = go ⊙ a
  d.mul(dp, s, dp, MH);           // then ⊙ σ'(·) = s (1 − s)
  d.mul(dp, s, t1_.data(), MH);
  d.axpy(S(-1), t1_.data(), dp, MH);
  const S* z = z_[l].data();
  d.gemm(true, false, Hh, Hh, M, S(1), da, Hh, z, Hh, S(1), ps.grad(p.w1), Hh);
  d.row_bias_grad(da, ps.grad(p.b1), M, Hh);
  d.gemm(true, false, Hh, Hh, M, S(1), dp, Hh, z, Hh, S(1), ps.grad(p.w2), Hh);
  d.row_bias_grad(dp, ps.grad(p.b2), M, Hh);
  S* dz = t1_.data();
  d.gemm(false, false, M, Hh, Hh, S(1), da, Hh, ps.value(p.w1), Hh, S(0), dz, Hh);
  d.gemm(false, false, M, Hh, Hh, S(1), dp, Hh, ps.value(p.w2), Hh, S(1), dz, Hh);
  S* dr = t2_.data();
  d.gelu_bwd(r_[l].data(), dz, dr, MH);
  S* du = t3_.data();
  lru_[l]->backward(this->be_, u_[l].data(), dr, du, d_re_.data(), d_im_.data(), method_,
                    tel ? norms_.data() : nullptr);
  if (tel) {
    std::vector<double> prof = profile(norms_.data(), B, T, nullptr, nullptr);
    if (l == L() - 1) tel->profiles["state_grad_norm"] = prof;
    tel->profiles["state_grad_norm.layer" + std::to_string(l)] = std::move(prof);
  }
  S* dxn = t1_.data();
  d.layernorm_bwd(du, xin_[l].data(), ps.value(p.norm_w), mean_[l].data(), rstd_[l].data(), dxn,
                  ps.grad(p.norm_w), ps.grad(p.norm_b), M, Hh);
  d.axpy(S(1), dxn, dx, MH);
}

template <class S>
std::vector<double> LruModel<S>::profile(const S* norms, int B, int T, std::vector<double>* mn,
                                         std::vector<double>* mx) {
  std::vector<S> n(size_t(B) * T);
  this->be_.download_bytes(n.data(), norms, n.size() * sizeof(S));
  return batch_profile(n, B, T, /*time_major=*/false, mn, mx);
}

template <class S>
void LruModel<S>::eigen_telemetry(Telemetry& tel) {
  tel.scalars["r_min"] = this->cfg_.r_min;
  tel.scalars["r_max"] = this->cfg_.r_max;
  for (int l = 0; l < L(); ++l) {
    std::vector<std::complex<double>> lam = lru_[l]->eigenvalues();
    std::vector<double> nu = lru_[l]->nu();
    double nmin = std::numeric_limits<double>::infinity(), nmax = -nmin, rmax = 0;
    for (double v : nu) {
      nmin = std::min(nmin, v);
      nmax = std::max(nmax, v);
    }
    for (auto v : lam) rmax = std::max(rmax, std::abs(v));
    std::string s = ".layer" + std::to_string(l);
    tel.eigenvalues["lambda" + s] = std::move(lam);
    // ν itself, because |λ| = e^{−ν} rounds to 1 in float32 once ν < 3e-8. The lower ablation rungs can
    // leave the unit disk (ν <= 0), where ν_log is undefined and is not reported.
    if (nu.empty() || !std::isfinite(nmin)) continue;
    if (nmin > 0) {
      tel.scalars["nu_log" + s + ".min"] = std::log(nmin);
      tel.scalars["nu_log" + s + ".max"] = std::log(nmax);
    }
    tel.scalars["nu" + s + ".min"] = nmin;
    tel.scalars["nu" + s + ".max"] = nmax;
    tel.scalars["lambda_abs" + s + ".max"] = rmax;
  }
}

template <class S>
StepResult LruModel<S>::forward_backward(const Batch& batch, bool backward, Telemetry* tel) {
  check_batch(batch);
  const int B = batch.B, T = batch.T, M = B * T, Hh = H();
  resize(B, T);
  std::vector<int32_t> ids(M), tg(M);
  std::vector<S> w(M, S(1));
  double weight_sum = 0;
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t) {
      size_t r = size_t(b) * T + t;
      ids[r] = batch.tokens[size_t(b) * (T + 1) + t];
      tg[r] = batch.target(b, t);
      if (!batch.weights.empty()) w[r] = S(batch.weights[r]);
      weight_sum += double(w[r]);
    }
  idx_.upload(ids);
  targets_.upload(tg);
  weights_.upload(w);

  auto& d = this->be_.dense();
  auto& ps = this->params_;
  // Dropout only in training steps; evaluation (backward = false) is deterministic.
  forward_trunk(B, T, backward);
  head_.set_batch(this->be_, batch, this->cfg_.readout, /*time_major=*/false);
  XentResult xr = head_.loss(d, ps, hf_.data(), M, logits_.data(), targets_.data(), weights_.data(), weight_sum,
                             backward ? dlogits_.data() : nullptr);
  StepResult res{xr.loss_sum, xr.weight_sum, xr.correct};

  if (tel) {
    // ‖x_k‖ of the complex state: per layer (mean over the batch), and min/max for the top layer.
    for (int l = 0; l < L(); ++l) {
      lru_[l]->state_norms(this->be_, norms_.data());
      bool top = l == L() - 1;
      std::vector<double> mn, mx;
      std::vector<double> prof = profile(norms_.data(), B, T, top ? &mn : nullptr, top ? &mx : nullptr);
      if (top) {
        tel->profiles["state_norm"] = prof;
        tel->profiles["state_norm_min"] = std::move(mn);
        tel->profiles["state_norm_max"] = std::move(mx);
      }
      tel->profiles["state_norm.layer" + std::to_string(l)] = std::move(prof);
    }
    eigen_telemetry(*tel);
  }
  if (!backward) return res;

  ps.zero_grads();
  head_.backward(d, ps, hf_.data(), M, dlogits_.data(), t1_.data());
  S* dx = dx_.data();
  d.layernorm_bwd(t1_.data(), xin_[L()].data(), ps.value(normf_w_), meanf_.data(), rstdf_.data(), dx,
                  ps.grad(normf_w_), ps.grad(normf_b_), M, Hh);
  for (int l = L() - 1; l >= 0; --l) block_bwd(l, dx, B, T, tel);
  d.embedding_bwd(dx, idx_.data(), ps.grad(emb_), M, Hh);
  return res;
}

template <class S>
std::vector<double> LruModel<S>::predict_next(const std::vector<int32_t>& context) {
  Batch b = context_batch(context, "lru");
  check_batch(b);
  const int T = b.T, Hh = H();
  resize(1, T);
  idx_.upload(context);
  forward_trunk(1, T, false);
  const S* last = hf_.data() + size_t(T - 1) * Hh;
  return head_.row_logits(this->be_, this->params_, last, logits_.data());
}

template class LruModel<float>;
template class LruModel<double>;

UDLAB_REGISTER_MODEL(LruModel, "lru",
                     "Deep Linear Recurrent Unit (Orvieto et al. 2023): diagonal complex recurrence with ring "
                     "init, γ normalisation and a parallel scan",
                     "hidden");

}  // namespace udlab
