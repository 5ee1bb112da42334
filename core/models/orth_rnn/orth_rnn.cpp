#include "core/models/orth_rnn/orth_rnn.h"

#include <cmath>
#include <string>

#include "core/models/model_registry.h"
#include "core/util/error.h"

namespace udlab {

namespace {
// The hidden width is the group's real matrix size: the base class reads it from cfg.hidden.
ModelConfig with_group_width(ModelConfig cfg) {
  cfg.hidden = make_group(cfg.group, cfg.d).n();
  return cfg;
}
}  // namespace

template <class S>
OrthRnnModel<S>::OrthRnnModel(const ModelConfig& cfg, int vocab, Backend<S>& be)
    : RecurrentLm<S>(with_group_width(cfg), vocab, be, 1), group_(make_group(cfg.group, cfg.d)) {
  const std::string& a = cfg.orth_act;
  if (a != "modrelu" && a != "tanh") throw Error("orth-rnn: --orth-act must be modrelu or tanh (got '" + a + "')");
  const std::string& i = cfg.orth_init;
  if (i != "henaff" && i != "cayley" && i != "identity")
    throw Error("orth-rnn: --orth-init must be henaff, cayley or identity (got '" + i + "')");
  auto& ps = this->params_;
  for (int k = 0; k < this->L(); ++k) {
    // The recurrent tensor holds the generator A, not W: renamed, no weight decay, its own lr.
    ParamSpec& s = ps.specs()[size_t(this->w_hh(k))];
    s.name = "rnn.generator_hh_l" + std::to_string(k);
    s.decay = false;
    s.lr_mult = cfg.orth_lr_factor;
    if (modrelu()) mod_bias_.push_back(ps.add("rnn.modrelu_bias_l" + std::to_string(k), {this->H() / pair()}, false));
  }
}

template <class S>
void OrthRnnModel<S>::init(Rng& rng) {
  RecurrentLm<S>::init(rng);
  auto& ps = this->params_;
  std::vector<S> host = ps.download_values();
  const int n = this->H();
  const std::string& how = this->cfg_.orth_init;
  for (int k = 0; k < this->L(); ++k) {
    std::vector<double> A(size_t(n) * n, 0.0), P(size_t(n) * n);
    for (int j = 0; j + 1 < n; j += 2) {
      double th = 0;
      if (how == "henaff") th = M_PI * (2 * rng.uniform() - 1);
      else if (how == "cayley") {
        const double s = 0.5 * M_PI * rng.uniform();
        th = -std::sqrt((1 - std::cos(s)) / (1 + std::cos(s)));
      }
      A[size_t(j) * n + j + 1] = th;
      A[size_t(j + 1) * n + j] = -th;
    }
    group_.project(A.data(), P.data());
    S* dst = host.data() + ps.specs()[size_t(this->w_hh(k))].offset;
    for (size_t e = 0; e < P.size(); ++e) dst[e] = S(P[e]);
    if (modrelu()) {  // expRNN: U(−0.01, 0.01)
      S* b = host.data() + ps.specs()[size_t(mod_bias_[k])].offset;
      for (int u = 0; u < n / pair(); ++u) b[u] = S(0.02 * rng.uniform() - 0.01);
    }
  }
  ps.upload_values(host);
}

template <class S>
void OrthRnnModel<S>::before_forward() {
  const int n = this->H();
  const size_t nn = size_t(n) * n;
  auto& g = this->be_.group();
  X_.resize(this->L());
  W_.resize(this->L());
  scratch_.resize(this->be_, nn);
  for (int k = 0; k < this->L(); ++k) {
    X_[k].resize(this->be_, nn);
    W_[k].resize(this->be_, nn);
    g.project(group_.spec(), this->params_.value(this->w_hh(k)), X_[k].data(), 1);
    g.exp(group_.spec(), X_[k].data(), W_[k].data(), 1);
  }
}

template <class S>
void OrthRnnModel<S>::after_backward() {
  // The base class wrote ∂L/∂W_k into A_k's gradient slot; ∂L/∂A_k = Π(L(X_kᵀ, ∂L/∂W_k)).
  const size_t nn = size_t(this->H()) * this->H();
  for (int k = 0; k < this->L(); ++k) {
    S* grad = this->params_.grad(this->w_hh(k));
    this->be_.group().exp_adjoint(group_.spec(), X_[k].data(), grad, scratch_.data(), nullptr, 1);
    this->be_.copy_bytes(grad, scratch_.data(), sizeof(S) * nn);
  }
}

template <class S>
void OrthRnnModel<S>::seq_fwd(int k, S* pre, const S*, S* h, int B, int T) {
  auto& r = this->be_.rnn();
  if (modrelu()) r.modrelu_seq_fwd(pre, W_[k].data(), this->params_.value(mod_bias_[k]), h, T, B, this->H(), pair());
  else r.rnn_tanh_seq_fwd(pre, W_[k].data(), h, T, B, this->H());
}

template <class S>
void OrthRnnModel<S>::seq_bwd(int k, const S* pre, const S*, const S* h, S* dh, S* dpre, int B, int T) {
  auto& r = this->be_.rnn();
  if (modrelu())
    r.modrelu_seq_bwd(pre, W_[k].data(), this->params_.value(mod_bias_[k]), dh, dpre,
                      this->params_.grad(mod_bias_[k]), T, B, this->H(), pair());
  else r.rnn_tanh_seq_bwd(h, W_[k].data(), dh, dpre, T, B, this->H());
}

template <class S>
std::vector<S> OrthRnnModel<S>::recurrent_weight(int k) {
  if (W_.empty()) before_forward();
  return W_[size_t(k)].download();
}

template <class S>
void OrthRnnModel<S>::cell_telemetry(Telemetry& tel) {
  for (int k = 0; k < this->L(); ++k) {
    std::vector<S> w = recurrent_weight(k);
    std::vector<double> wd(w.begin(), w.end());
    const std::string s = ".layer" + std::to_string(k);
    // On the unit circle by construction; the complex groups report their d complex eigenvalues.
    tel.eigenvalues["W" + s] = group_.eigenvalues(wd.data());
    tel.scalars["W_membership_error" + s] = group_.membership_error(wd.data());
  }
}

template class OrthRnnModel<float>;
template class OrthRnnModel<double>;

UDLAB_REGISTER_MODEL(OrthRnnModel, "orth-rnn",
                     "Group-valued recurrent weights (uRNN/expRNN family): h = modReLU or tanh of W h + V x + b, "
                     "W = exp(Π_G(A)) on --group at size --d.",
                     "d");

}  // namespace udlab
