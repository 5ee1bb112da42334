// group-transformer: the transformer template of the U(d) paper (issue 3). Every token is a group
// element, and every layer acts on it by right multiplication with exp of a Lie-algebra element:
//
//   g_i^(0) = exp(Π(mat(E[x_i]) + mat(P[i])))
//   attention, per head h:  q_i = Π(Q_h g_i), k_i = Π(K_h g_i), v_i = Π(V_h g_i)
//       a_ij = causal softmax_j of <q_i, k_j>_F / sqrt(dim g);  m_i = sum_h sum_j a_ij v_j  (x alpha with --mixing)
//       g_i <- g_i exp(m_i)
//   MLP analogue:  g_i <- g_i exp(Π(mat(W2 GELU(W1 vec(g_i) + b1) + b2)))
//   readout:       logits_i = R vec(g_i^(L)) + c
//
// "Q_h g" is a learned linear map on vec(g) (row-major, n^2 entries, n the group's real matrix size)
// reshaped to n x n: Q_h is an [n^2, n^2] matrix. The Q, K, V maps of all heads are one fused
// [3*H*n^2, n^2] tensor (rows: Q_0..Q_{H-1}, K_0.., V_0..), as GPT-2's c_attn, so one GEMM serves all.
// m_i needs no projection: it is a linear combination of algebra elements, which stays in the algebra.
// The MLP's hidden width is 4 n^2. Complex groups use the realified n = 2d matrices throughout, so
// vec(g) repeats each complex entry twice; the maps stay exact, at the cost of redundant weights.
#include <cmath>
#include <string>
#include <vector>

#include "core/models/batch_check.h"
#include "core/groups/group.h"
#include "core/models/model_registry.h"
#include "core/models/transformer/activation_arena.h"
#include "core/models/transformer/group_batch.h"
#include "core/models/transformer/token_lm.h"

namespace udlab {
namespace {

template <class S>
class GroupTransformer final : public TokenLm<S> {
 public:
  GroupTransformer(const ModelConfig& cfg, int vocab, Backend<S>& be)
      : TokenLm<S>(cfg, vocab, be, "group-transformer"), group_(make_group(cfg.group, cfg.d)) {
    n_ = group_.n();
    n2_ = n_ * n_;
    H_ = cfg.heads;
    L_ = cfg.layers;
    F_ = 4 * n2_;
    mixing_ = cfg.mixing;
    if (H_ <= 0) throw Error("group-transformer: --heads must be positive");
    if (L_ <= 0) throw Error("group-transformer: --layers must be positive");
    if (cfg.reflect) throw Error("group-transformer: --reflect applies to recurrent states only");
    auto& ps = this->params_;
    wte_ = ps.add("embedding.weight", {vocab, n2_});
    wpe_ = ps.add("pos_embedding.weight", {P_, n2_});
    for (int l = 0; l < L_; ++l) {
      const std::string p = "layers." + std::to_string(l) + ".";
      Layer ly;
      ly.qkv = ps.add(p + "attn.qkv.weight", {3 * H_ * n2_, n2_});
      if (mixing_) ly.alpha = ps.add(p + "attn.alpha", {1}, false);
      ly.fcw = ps.add(p + "mlp.fc.weight", {F_, n2_});
      ly.fcb = ps.add(p + "mlp.fc.bias", {F_}, false);
      ly.projw = ps.add(p + "mlp.proj.weight", {n2_, F_});
      ly.projb = ps.add(p + "mlp.proj.bias", {n2_}, false);
      layers_.push_back(ly);
    }
    head_ = ps.add("head.weight", {vocab, n2_});
    headb_ = ps.add("head.bias", {vocab}, false);
  }

  // Scales are chosen so that every generator starts well inside exp's injectivity radius
  // (||xi||_2 < pi, math-notes §4) and every update starts close to the identity:
  //  * E ~ N(0, 1/n^2): ||Π(mat E_v)||_F ~ 0.7, distinct tokens are distinct rotations from the start;
  //    P ~ N(0, 0.25/n^2) perturbs them by position.
  //  * Q, K ~ N(0, 1/n^2) (1/fan_in; ||vec g||^2 = n for a group element), V ten times smaller, so that
  //    exp(m_i) starts near I; alpha = 1.
  //  * W1 ~ N(0, 1/n) (unit pre-activations for ||vec g||^2 = n), W2 ~ N(0, 0.01/F): a small MLP step.
  //  * R ~ N(0, 1/n^2), zero biases.
  void init(Rng& rng) override {
    auto& ps = this->params_;
    std::vector<S> host(ps.numel(), S(0));
    auto normal = [&](int idx, double sd, size_t begin = 0, size_t end = size_t(-1)) {
      const auto& sp = ps.specs()[idx];
      end = std::min(end, sp.numel);
      for (size_t i = begin; i < end; ++i) host[sp.offset + i] = S(sd * rng.normal());
    };
    const double n = n_, n2 = n2_;
    normal(wte_, 1.0 / n);
    normal(wpe_, 0.5 / n);
    const size_t qk = size_t(2) * H_ * n2_ * n2_;
    for (auto& ly : layers_) {
      normal(ly.qkv, 1.0 / n, 0, qk);
      normal(ly.qkv, 0.1 / n, qk);
      if (ly.alpha >= 0) host[ps.specs()[ly.alpha].offset] = S(1);
      normal(ly.fcw, 1.0 / std::sqrt(n));
      normal(ly.projw, 0.1 / std::sqrt(double(F_)));
    }
    normal(head_, 1.0 / std::sqrt(n2));
    ps.upload_values(host);
  }

  size_t workspace_bytes(int B, int T) const override {
    return layout(B, T).total() * sizeof(S) + this->staging_bytes(B, T);
  }

 private:
  using TokenLm<S>::P_;
  using TokenLm<S>::tokens_;

  struct Layer {
    int qkv = -1, alpha = -1, fcw = -1, fcb = -1, projw = -1, projb = -1;
  };
  struct LayerActs {
    S *g, *qkv, *att, *heads, *m, *ms, *E1, *gmid, *h1, *a1, *xi2, *E2;
  };
  struct Acts {
    S* xi0;  // Π(mat(E[x]) + mat(P[t]))
    std::vector<LayerActs> layer;
    S *gL, *logits;
    S *dlogits, *dg, *dgmid, *dE, *dxi, *dF, *dF2, *dheads, *dqkv, *dms;
  };

  ActivationLayout<S> layout(int B, int T, Acts* a = nullptr) const {
    const size_t BT = size_t(B) * T, N2 = n2_, H = H_, F = F_;
    ActivationLayout<S> lay;
    auto slot = [&](S* Acts::*f) { return a ? &(a->*f) : nullptr; };
    lay.add(BT * N2, slot(&Acts::xi0));
    if (a) a->layer.resize(L_);
    for (int l = 0; l < L_; ++l) {
      LayerActs* la = a ? &a->layer[l] : nullptr;
      auto ls = [&](S* LayerActs::*f) { return la ? &(la->*f) : nullptr; };
      lay.add(BT * N2, ls(&LayerActs::g));
      lay.add(BT * 3 * H * N2, ls(&LayerActs::qkv));
      lay.add(size_t(B) * H * T * T, ls(&LayerActs::att));
      lay.add(BT * H * N2, ls(&LayerActs::heads));
      lay.add(BT * N2, ls(&LayerActs::m));
      lay.add(mixing_ ? BT * N2 : 0, ls(&LayerActs::ms));
      lay.add(BT * N2, ls(&LayerActs::E1));
      lay.add(BT * N2, ls(&LayerActs::gmid));
      lay.add(BT * F, ls(&LayerActs::h1));
      lay.add(BT * F, ls(&LayerActs::a1));
      lay.add(BT * N2, ls(&LayerActs::xi2));
      lay.add(BT * N2, ls(&LayerActs::E2));
    }
    lay.add(BT * N2, slot(&Acts::gL));
    lay.add(BT * this->vocab_, slot(&Acts::logits));
    lay.add(BT * this->vocab_, slot(&Acts::dlogits));
    lay.add(BT * N2, slot(&Acts::dg));
    lay.add(BT * N2, slot(&Acts::dgmid));
    lay.add(BT * N2, slot(&Acts::dE));
    lay.add(BT * N2, slot(&Acts::dxi));
    lay.add(BT * F, slot(&Acts::dF));
    lay.add(BT * F, slot(&Acts::dF2));
    lay.add(BT * H * N2, slot(&Acts::dheads));
    lay.add(BT * 3 * H * N2, slot(&Acts::dqkv));
    lay.add(mixing_ ? BT * N2 : 0, slot(&Acts::dms));
    return lay;
  }

  void ensure_workspace(int B, int T) override {
    if (B == wsB_ && T == wsT_) return;
    ActivationLayout<S> lay = layout(B, T, &a_);
    arena_.resize(this->be_, lay.total());
    lay.bind(arena_.data());
    for (auto& la : a_.layer)
      if (!mixing_) la.ms = la.m;
    wsB_ = B;
    wsT_ = T;
  }

  S score_scale() const { return S(1.0 / std::sqrt(double(group_.dim()))); }

  void forward(int B, int T) override {
    auto& d = this->be_.dense();
    auto& at = this->be_.attention();
    GroupBatch<S> gb(this->be_, group_);
    auto& ps = this->params_;
    const int BT = B * T, N2 = n2_, HN2 = H_ * n2_;
    d.embedding_fwd(ps.value(wte_), tokens_.inputs(), a_.xi0, BT, N2);
    d.add_row_bias(a_.xi0, ps.value(wpe_), B, T * N2);
    gb.project(a_.xi0, a_.xi0, BT);
    gb.exp(a_.xi0, a_.layer[0].g, BT);
    for (int l = 0; l < L_; ++l) {
      const Layer& ly = layers_[l];
      LayerActs& x = a_.layer[l];
      S* gout = l + 1 < L_ ? a_.layer[l + 1].g : a_.gL;
      d.gemm(false, true, BT, 3 * HN2, N2, S(1), x.g, N2, ps.value(ly.qkv), N2, S(0), x.qkv, 3 * HN2);
      gb.project(x.qkv, x.qkv, size_t(BT) * 3 * H_);
      at.causal_attention_fwd(x.qkv, x.qkv + HN2, x.qkv + 2 * HN2, 3 * HN2, x.att, x.heads, HN2, B, T, H_, N2,
                              score_scale());
      at.sum_heads_fwd(x.heads, x.m, BT, H_, N2);
      // alpha stays on the device: ms[N,1] = m[N,1] * alpha[1,1] as a K = 1 GEMM.
      if (mixing_) d.gemm(false, false, BT * N2, 1, 1, S(1), x.m, 1, ps.value(ly.alpha), 1, S(0), x.ms, 1);
      gb.exp(x.ms, x.E1, BT);
      gb.mul(x.g, x.E1, x.gmid, BT);
      linear(x.gmid, ly.fcw, ly.fcb, x.h1, BT, N2, F_);
      d.gelu_fwd(x.h1, x.a1, size_t(BT) * F_);
      linear(x.a1, ly.projw, ly.projb, x.xi2, BT, F_, N2);
      gb.project(x.xi2, x.xi2, BT);
      gb.exp(x.xi2, x.E2, BT);
      gb.mul(x.gmid, x.E2, gout, BT);
    }
    d.gemm(false, true, BT, this->vocab_, N2, S(1), a_.gL, N2, ps.value(head_), N2, S(0), a_.logits, this->vocab_);
    d.add_row_bias(a_.logits, ps.value(headb_), BT, this->vocab_);
  }

  void backward_pass(int B, int T) override {
    auto& d = this->be_.dense();
    auto& at = this->be_.attention();
    GroupBatch<S> gb(this->be_, group_);
    auto& ps = this->params_;
    const int BT = B * T, N2 = n2_, HN2 = H_ * n2_, V = this->vocab_;
    ps.zero_grads();
    d.gemm(true, false, V, N2, BT, S(1), a_.dlogits, V, a_.gL, N2, S(1), ps.grad(head_), N2);
    d.row_bias_grad(a_.dlogits, ps.grad(headb_), BT, V);
    d.gemm(false, false, BT, N2, V, S(1), a_.dlogits, V, ps.value(head_), N2, S(0), a_.dg, N2);
    // a_.dg holds dL/dg at the current depth throughout.
    for (int l = L_ - 1; l >= 0; --l) {
      const Layer& ly = layers_[l];
      LayerActs& x = a_.layer[l];
      // g_out = gmid exp(xi2): the MLP step.
      gb.mul_bwd(x.gmid, x.E2, a_.dg, a_.dgmid, a_.dE, BT);
      gb.exp_adjoint(x.xi2, a_.dE, a_.dxi, BT);  // already projected: Π's backward is Π
      linear_bwd(a_.dxi, x.a1, ly.projw, ly.projb, a_.dF, BT, F_, N2);
      d.gelu_bwd(x.h1, a_.dF, a_.dF2, size_t(BT) * F_);
      linear_bwd_acc(a_.dF2, x.gmid, ly.fcw, ly.fcb, a_.dgmid, BT, N2, F_);
      // gmid = g exp(ms): the attention step.
      gb.mul_bwd(x.g, x.E1, a_.dgmid, a_.dg, a_.dE, BT);
      S* dm = a_.dxi;
      if (mixing_) {
        gb.exp_adjoint(x.ms, a_.dE, a_.dms, BT);
        d.gemm(false, true, 1, 1, BT * N2, S(1), a_.dms, BT * N2, x.m, BT * N2, S(1), ps.grad(ly.alpha), 1);
        d.gemm(false, false, BT * N2, 1, 1, S(1), a_.dms, 1, ps.value(ly.alpha), 1, S(0), dm, 1);
      } else {
        gb.exp_adjoint(x.ms, a_.dE, dm, BT);
      }
      at.sum_heads_bwd(dm, a_.dheads, BT, H_, N2);
      at.causal_attention_bwd(a_.dheads, HN2, x.qkv, x.qkv + HN2, x.qkv + 2 * HN2, 3 * HN2, x.att, a_.dqkv,
                              a_.dqkv + HN2, a_.dqkv + 2 * HN2, 3 * HN2, B, T, H_, N2, score_scale());
      // No Π here although q = Π(Q g): dq, dk, dv are combinations of k, q and the projected dm, so
      // they already lie in the algebra and Π (self-adjoint, idempotent) would leave them unchanged.
      d.gemm(true, false, 3 * HN2, N2, BT, S(1), a_.dqkv, 3 * HN2, x.g, N2, S(1), ps.grad(ly.qkv), N2);
      d.gemm(false, false, BT, N2, 3 * HN2, S(1), a_.dqkv, 3 * HN2, ps.value(ly.qkv), N2, S(1), a_.dg, N2);
    }
    gb.exp_adjoint(a_.xi0, a_.dg, a_.dxi, BT);
    d.embedding_bwd(a_.dxi, tokens_.inputs(), ps.grad(wte_), BT, N2);
    d.row_bias_grad(a_.dxi, ps.grad(wpe_), B, T * N2);
  }

  void linear(const S* x, int w, int b, S* y, int M, int in, int out) {
    auto& d = this->be_.dense();
    d.gemm(false, true, M, out, in, S(1), x, in, this->params_.value(w), in, S(0), y, out);
    d.add_row_bias(y, this->params_.value(b), M, out);
  }
  // dW += dy^T x, db += colsum(dy), dx = dy W (overwrite).
  void linear_bwd(const S* dy, const S* x, int w, int b, S* dx, int M, int in, int out) {
    linear_grads(dy, x, w, b, M, in, out);
    this->be_.dense().gemm(false, false, M, in, out, S(1), dy, out, this->params_.value(w), in, S(0), dx, in);
  }
  // As linear_bwd, but dx += dy W.
  void linear_bwd_acc(const S* dy, const S* x, int w, int b, S* dx, int M, int in, int out) {
    linear_grads(dy, x, w, b, M, in, out);
    this->be_.dense().gemm(false, false, M, in, out, S(1), dy, out, this->params_.value(w), in, S(1), dx, in);
  }
  void linear_grads(const S* dy, const S* x, int w, int b, int M, int in, int out) {
    auto& d = this->be_.dense();
    d.gemm(true, false, out, in, M, S(1), dy, out, x, in, S(1), this->params_.grad(w), in);
    d.row_bias_grad(dy, this->params_.grad(b), M, out);
  }

  S* logits() override { return a_.logits; }
  S* dlogits() override { return a_.dlogits; }

  // The final g_i: membership error (max over the batch) and norm per position, and the spectrum of the
  // last position of the first sequence. Host-side and O(B T n^3), run only at telemetry steps.
  void fill_telemetry(int B, int T, Telemetry& tel) override {
    const size_t N2 = n2_;
    std::vector<S> g(size_t(B) * T * N2);
    this->be_.download_bytes(g.data(), a_.gL, g.size() * sizeof(S));
    std::vector<double> err(T, 0.0), norm(T, 0.0);
    // ||g||_F of the d x d matrix the element stands for (the realified one counts each entry twice).
    const double norm_div = group_.is_complex() ? 2.0 : 1.0;
    for (int b = 0; b < B; ++b)
      for (int t = 0; t < T; ++t) {
        const S* gi = g.data() + (size_t(b) * T + t) * N2;
        err[t] = std::max(err[t], group_.membership_error<S>(gi));
        double s = 0;
        for (size_t k = 0; k < N2; ++k) s += double(gi[k]) * double(gi[k]);
        norm[t] += std::sqrt(s / norm_div) / B;
      }
    tel.profiles["membership_error"] = err;
    tel.profiles["state_norm"] = norm;
    std::vector<double> last(g.begin() + (T - 1) * N2, g.begin() + T * N2);
    tel.eigenvalues["g_last"] = group_.eigenvalues(last.data());
  }

  Group group_;
  int n_ = 0, n2_ = 0, H_ = 0, L_ = 0, F_ = 0;
  bool mixing_ = false;
  int wte_ = -1, wpe_ = -1, head_ = -1, headb_ = -1;
  std::vector<Layer> layers_;
  Buffer<S> arena_;
  Acts a_{};
  int wsB_ = -1, wsT_ = -1;
};

}  // namespace

UDLAB_REGISTER_MODEL(GroupTransformer, "group-transformer",
                     "Transformer on a subgroup of U(d): tokens are group elements, layers act by g <- g exp(m)",
                     "d");

}  // namespace udlab
