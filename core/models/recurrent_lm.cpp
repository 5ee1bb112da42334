#include "core/models/batch_check.h"
#include "core/models/time_major_batch.h"
#include "core/models/telemetry_profile.h"
#include "core/models/recurrent_lm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/util/error.h"

namespace udlab {

template <class S>
RecurrentLm<S>::RecurrentLm(const ModelConfig& cfg, int vocab, Backend<S>& be, int G) : Model<S>(cfg, vocab, be), G_(G) {
  const std::string& n = cfg.model;
  if (vocab < 1) throw Error(n + ": vocabulary size must be at least 1 (got " + std::to_string(vocab) + ")");
  if (cfg.layers < 1) throw Error(n + ": --layers must be at least 1 (got " + std::to_string(cfg.layers) + ")");
  if (cfg.embed < 1) throw Error(n + ": --embed must be at least 1 (got " + std::to_string(cfg.embed) + ")");
  if (cfg.hidden < 1) throw Error(n + ": --hidden must be at least 1 (got " + std::to_string(cfg.hidden) + ")");
  // GEMM dimensions are ints; keep every weight matrix addressable with them.
  if (double(G) * cfg.hidden * std::max(cfg.embed, cfg.hidden) > double(std::numeric_limits<int>::max()))
    throw Error(n + ": --hidden/--embed too large");

  auto& ps = this->params_;
  const int64_t GH = int64_t(G) * cfg.hidden;
  // nanoGPT convention: matrices decay, vectors (biases) do not.
  emb_ = ps.add("embedding.weight", {vocab, cfg.embed});
  for (int k = 0; k < cfg.layers; ++k) {
    std::string s = "_l" + std::to_string(k);
    int in = k == 0 ? cfg.embed : cfg.hidden;
    w_ih_.push_back(ps.add("rnn.weight_ih" + s, {GH, in}));
    w_hh_.push_back(ps.add("rnn.weight_hh" + s, {GH, cfg.hidden}));
    b_ih_.push_back(ps.add("rnn.bias_ih" + s, {GH}, false));
    b_hh_.push_back(ps.add("rnn.bias_hh" + s, {GH}, false));
  }
  head_.add_params(ps, cfg.hidden, vocab);
}

template <class S>
void RecurrentLm<S>::init(Rng& rng) {
  auto& ps = this->params_;
  if (!ps.allocated()) throw Error(this->cfg_.model + ": init() before params().allocate()");
  std::vector<S> host(ps.numel());
  auto fill = [&](int i, auto draw) {
    const ParamSpec& s = ps.specs()[i];
    for (size_t j = 0; j < s.numel; ++j) host[s.offset + j] = S(draw());
  };
  auto uniform = [&](double a) { return [&rng, a] { return (2 * rng.uniform() - 1) * a; }; };
  // As PyTorch: nn.Embedding N(0,1); nn.LSTM/nn.RNN U(±1/sqrt(H)) for every tensor; nn.Linear
  // U(±1/sqrt(fan_in)) for weight and bias (kaiming_uniform with a = sqrt(5) reduces to that).
  fill(emb_, [&] { return rng.normal(); });
  const double a = 1.0 / std::sqrt(double(H()));
  for (int k = 0; k < L(); ++k) {
    fill(w_ih_[k], uniform(a));
    fill(w_hh_[k], uniform(a));
    fill(b_ih_[k], uniform(a));
    fill(b_hh_[k], uniform(a));
  }
  fill(head_.weight(), uniform(a));
  fill(head_.bias(), uniform(a));
  ps.upload_values(host);
}

template <class S>
size_t RecurrentLm<S>::workspace_bytes(int B, int T) const {
  // In double so that absurd sizes saturate instead of wrapping around.
  const double TB = double(B) * T, Hd = H(), GH = double(G_) * H(), V = this->vocab_;
  const double wide = std::max(E(), H());
  double elems = TB * (1 + E())                    // weights, embedded inputs
                 + L() * TB * (GH + Hd)            // pre-activations and outputs per layer
                 + TB * GH + 2 * TB * wide         // dpre, the two gradient ping-pong buffers
                 + 2 * TB * V + TB + GH            // logits, dlogits, norms, bias sum
                 + cell_workspace_elems(B, T);
  double bytes = elems * sizeof(S) + 2 * TB * sizeof(int32_t);
  // Eigen packs at most a kc × (M + N) panel per GEMM (kc ≤ 512); the largest GEMM is a weight gradient.
  const double M = std::max({GH, V}), N = std::max({wide, Hd});
  bytes += 512.0 * (M + N) * sizeof(S) * std::max(1, this->be_.threads());
  if (bytes >= double(std::numeric_limits<size_t>::max())) return std::numeric_limits<size_t>::max();
  return size_t(bytes);
}

template <class S>
void RecurrentLm<S>::check_batch(const Batch& batch) const {
  const std::string& n = this->cfg_.model;
  if (!this->params_.allocated()) throw Error(n + ": parameters are not allocated");
  check_batch_for(batch, this->vocab_, double(G_) * H(), n);
}

template <class S>
void RecurrentLm<S>::resize(int B, int T) {
  if (B == cur_B_ && T == cur_T_) return;
  Device& dev = this->be_;
  const size_t TB = size_t(B) * T, GH = size_t(G_) * H(), wide = size_t(std::max(E(), H()));
  idx_.resize(dev, TB);
  targets_.resize(dev, TB);
  weights_.resize(dev, TB);
  x0_.resize(dev, TB * E());
  pre_.resize(L());
  out_.resize(L());
  for (int k = 0; k < L(); ++k) {
    pre_[k].resize(dev, TB * GH);
    out_[k].resize(dev, TB * H());
  }
  dpre_.resize(dev, TB * GH);
  dA_.resize(dev, TB * wide);
  dB_.resize(dev, TB * wide);
  logits_.resize(dev, TB * this->vocab_);
  dlogits_.resize(dev, TB * this->vocab_);
  bias_sum_.resize(dev, GH);
  norms_.resize(dev, TB);
  cell_resize(B, T);
  cur_B_ = B;
  cur_T_ = T;
}

template <class S>
void RecurrentLm<S>::layer_fwd(int k, int B, int T) {
  auto& d = this->be_.dense();
  auto& ps = this->params_;
  const int in = k == 0 ? E() : H(), GH = G_ * H(), TB = B * T;
  const S* x = k == 0 ? x0_.data() : out_[k - 1].data();
  S* pre = pre_[k].data();
  S* h = out_[k].data();
  // pre = x W_ih^T + (b_ih + b_hh), for every step at once.
  d.gemm(false, true, TB, GH, in, S(1), x, in, ps.value(w_ih_[k]), in, S(0), pre, GH);
  this->be_.copy_bytes(bias_sum_.data(), ps.value(b_ih_[k]), sizeof(S) * GH);
  d.axpy(S(1), ps.value(b_hh_[k]), bias_sum_.data(), GH);
  d.add_row_bias(pre, bias_sum_.data(), TB, GH);
  seq_fwd(k, pre, ps.value(w_hh_[k]), h, B, T);
}

template <class S>
void RecurrentLm<S>::layer_bwd(int k, S* dh, S* dx, int B, int T) {
  auto& d = this->be_.dense();
  auto& ps = this->params_;
  const int in = k == 0 ? E() : H(), GH = G_ * H(), TB = B * T;
  const S* x = k == 0 ? x0_.data() : out_[k - 1].data();
  const S* pre = pre_[k].data();
  const S* h = out_[k].data();
  S* dpre = dpre_.data();
  seq_bwd(k, pre, ps.value(w_hh_[k]), h, dh, dpre, B, T);
  // Weight gradients over all steps at once (grads were zeroed, and each tensor gets one GEMM).
  d.gemm(true, false, GH, in, TB, S(1), dpre, GH, x, in, S(0), ps.grad(w_ih_[k]), in);
  if (T > 1) d.gemm(true, false, GH, H(), TB - B, S(1), dpre + size_t(B) * GH, GH, h, H(), S(0), ps.grad(w_hh_[k]), H());
  d.row_bias_grad(dpre, ps.grad(b_ih_[k]), TB, GH);
  this->be_.copy_bytes(ps.grad(b_hh_[k]), ps.grad(b_ih_[k]), sizeof(S) * GH);
  d.gemm(false, false, TB, in, GH, S(1), dpre, GH, ps.value(w_ih_[k]), in, S(0), dx, in);
}

template <class S>
void RecurrentLm<S>::forward_layers(int B, int T) {
  this->be_.dense().embedding_fwd(this->params_.value(emb_), idx_.data(), x0_.data(), B * T, E());
  for (int k = 0; k < L(); ++k) layer_fwd(k, B, T);
}

template <class S>
std::vector<double> RecurrentLm<S>::profile_of_norms(const S* x, int B, int T, std::vector<double>* mn,
                                                     std::vector<double>* mx) {
  this->be_.rnn().row_norms(x, norms_.data(), B * T, H());
  return batch_profile(norms_.download(), B, T, /*time_major=*/true, mn, mx);
}

template <class S>
StepResult RecurrentLm<S>::forward_backward(const Batch& batch, bool backward, Telemetry* tel) {
  check_batch(batch);
  const int B = batch.B, T = batch.T, TB = B * T;
  resize(B, T);

  const double weight_sum = stage_time_major(batch, idx_, targets_, weights_);

  before_forward();
  auto& d = this->be_.dense();
  auto& ps = this->params_;
  forward_layers(B, T);
  const S* top = out_.back().data();
  head_.set_batch(this->be_, batch, this->cfg_.readout, /*time_major=*/true);
  XentResult xr = head_.loss(d, ps, top, TB, logits_.data(), targets_.data(), weights_.data(), weight_sum,
                             backward ? dlogits_.data() : nullptr);
  StepResult res{xr.loss_sum, xr.weight_sum, xr.correct};

  if (tel) {
    std::vector<double> mn, mx;
    tel->profiles["state_norm"] = profile_of_norms(top, B, T, &mn, &mx);
    tel->profiles["state_norm_min"] = std::move(mn);
    tel->profiles["state_norm_max"] = std::move(mx);
  }
  if (!backward) {
    if (tel) cell_telemetry(*tel);
    return res;
  }

  ps.zero_grads();
  S* dh = dA_.data();
  S* dx = dB_.data();
  head_.backward(d, ps, top, TB, dlogits_.data(), dh);
  for (int k = L() - 1; k >= 0; --k) {
    layer_bwd(k, dh, dx, B, T);
    if (tel && k == L() - 1) tel->profiles["state_grad_norm"] = profile_of_norms(dh, B, T, nullptr, nullptr);
    std::swap(dh, dx);
  }
  // After the swap dh holds ∂L/∂x0.
  d.embedding_bwd(dh, idx_.data(), ps.grad(emb_), TB, E());
  after_backward();
  if (tel) cell_telemetry(*tel);
  return res;
}

template <class S>
std::vector<double> RecurrentLm<S>::predict_next(const std::vector<int32_t>& context) {
  Batch b = context_batch(context, this->cfg_.model);
  check_batch(b);
  const int T = b.T;
  resize(1, T);
  idx_.upload(context);
  before_forward();
  forward_layers(1, T);
  // Only the last position's logits are needed.
  const S* last = out_.back().data() + size_t(T - 1) * H();
  return head_.row_logits(this->be_, this->params_, last, logits_.data());
}

template class RecurrentLm<float>;
template class RecurrentLm<double>;

}  // namespace udlab
