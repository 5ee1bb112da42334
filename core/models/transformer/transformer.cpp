// transformer: the GPT-2 baseline (nanoGPT tensor names, llm.c structure). Pre-LayerNorm blocks with
// causal multi-head attention and a 4x exact-GELU MLP, a final LayerNorm and a linear head. The head is
// NOT tied to the token embedding (lm_head.weight is its own tensor): with character vocabularies the
// saving is small, and an untied head keeps the parameter count monotone in the width for matching.
#include <cmath>
#include <string>
#include <vector>

#include "core/models/batch_check.h"
#include "core/models/telemetry_profile.h"
#include "core/models/transformer/activation_arena.h"
#include "core/models/model_registry.h"
#include "core/models/transformer/token_lm.h"

namespace udlab {
namespace {

template <class S>
class Transformer final : public TokenLm<S> {
 public:
  Transformer(const ModelConfig& cfg, int vocab, Backend<S>& be) : TokenLm<S>(cfg, vocab, be, "transformer") {
    C_ = cfg.hidden;
    NH_ = cfg.heads;
    L_ = cfg.layers;
    if (C_ <= 0) throw Error("transformer: --hidden must be positive");
    if (NH_ <= 0) throw Error("transformer: --heads must be positive");
    if (L_ <= 0) throw Error("transformer: --layers must be positive");
    if (C_ % NH_) throw Error("transformer: --hidden (" + std::to_string(C_) + ") must be divisible by --heads (" +
                              std::to_string(NH_) + ")");
    auto& ps = this->params_;
    wte_ = ps.add("transformer.wte.weight", {vocab, C_});
    wpe_ = ps.add("transformer.wpe.weight", {P_, C_});
    for (int l = 0; l < L_; ++l) {
      const std::string p = "transformer.h." + std::to_string(l) + ".";
      Layer ly;
      ly.ln1w = ps.add(p + "ln_1.weight", {C_}, false);
      ly.ln1b = ps.add(p + "ln_1.bias", {C_}, false);
      ly.qkvw = ps.add(p + "attn.c_attn.weight", {3 * C_, C_});
      ly.qkvb = ps.add(p + "attn.c_attn.bias", {3 * C_}, false);
      ly.attprojw = ps.add(p + "attn.c_proj.weight", {C_, C_});
      ly.attprojb = ps.add(p + "attn.c_proj.bias", {C_}, false);
      ly.ln2w = ps.add(p + "ln_2.weight", {C_}, false);
      ly.ln2b = ps.add(p + "ln_2.bias", {C_}, false);
      ly.fcw = ps.add(p + "mlp.c_fc.weight", {4 * C_, C_});
      ly.fcb = ps.add(p + "mlp.c_fc.bias", {4 * C_}, false);
      ly.fcprojw = ps.add(p + "mlp.c_proj.weight", {C_, 4 * C_});
      ly.fcprojb = ps.add(p + "mlp.c_proj.bias", {C_}, false);
      layers_.push_back(ly);
    }
    lnfw_ = ps.add("transformer.ln_f.weight", {C_}, false);
    lnfb_ = ps.add("transformer.ln_f.bias", {C_}, false);
    head_ = ps.add("lm_head.weight", {vocab, C_});
  }

  // nanoGPT: N(0, 0.02) for linear and embedding weights, residual projections scaled by 1/sqrt(2L)
  // so that the residual stream's variance does not grow with depth; zero biases; unit LayerNorm gains.
  void init(Rng& rng) override {
    auto& ps = this->params_;
    std::vector<S> host(ps.numel(), S(0));
    auto normal = [&](int idx, double stdev) {
      const auto& sp = ps.specs()[idx];
      for (size_t i = 0; i < sp.numel; ++i) host[sp.offset + i] = S(stdev * rng.normal());
    };
    auto fill = [&](int idx, double v) {
      const auto& sp = ps.specs()[idx];
      for (size_t i = 0; i < sp.numel; ++i) host[sp.offset + i] = S(v);
    };
    const double proj_std = 0.02 / std::sqrt(2.0 * L_);
    normal(wte_, 0.02);
    normal(wpe_, 0.02);
    for (auto& ly : layers_) {
      fill(ly.ln1w, 1.0);
      normal(ly.qkvw, 0.02);
      normal(ly.attprojw, proj_std);
      fill(ly.ln2w, 1.0);
      normal(ly.fcw, 0.02);
      normal(ly.fcprojw, proj_std);
    }
    fill(lnfw_, 1.0);
    normal(head_, 0.02);
    ps.upload_values(host);
  }

  size_t workspace_bytes(int B, int T) const override {
    ActivationLayout<S> lay = layout(B, T);
    return lay.total() * sizeof(S) + this->staging_bytes(B, T);
  }

 private:
  using TokenLm<S>::P_;
  using TokenLm<S>::tokens_;

  struct Layer {
    int ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb;
  };
  // Pointers into the activation arena, per layer.
  struct LayerActs {
    S *resid_in, *ln1, *ln1_mean, *ln1_rstd, *qkv, *att, *atty, *resid2, *ln2, *ln2_mean, *ln2_rstd, *fch,
        *fch_gelu;
  };
  struct Acts {
    std::vector<LayerActs> layer;
    S *resid_out, *lnf, *lnf_mean, *lnf_rstd, *logits;
    // Backward scratch (one set, reused across layers).
    S *dlogits, *dresid, *dx, *dbig, *dbig2, *dqkv, *dsmall;
  };

  ActivationLayout<S> layout(int B, int T, Acts* a = nullptr) const {
    const size_t BT = size_t(B) * T, C = C_;
    ActivationLayout<S> lay;
    if (a) a->layer.resize(L_);
    for (int l = 0; l < L_; ++l) {
      LayerActs* la = a ? &a->layer[l] : nullptr;
      lay.add(BT * C, la ? &la->resid_in : nullptr);
      lay.add(BT * C, la ? &la->ln1 : nullptr);
      lay.add(BT, la ? &la->ln1_mean : nullptr);
      lay.add(BT, la ? &la->ln1_rstd : nullptr);
      lay.add(BT * 3 * C, la ? &la->qkv : nullptr);
      lay.add(size_t(B) * NH_ * T * T, la ? &la->att : nullptr);
      lay.add(BT * C, la ? &la->atty : nullptr);
      lay.add(BT * C, la ? &la->resid2 : nullptr);
      lay.add(BT * C, la ? &la->ln2 : nullptr);
      lay.add(BT, la ? &la->ln2_mean : nullptr);
      lay.add(BT, la ? &la->ln2_rstd : nullptr);
      lay.add(BT * 4 * C, la ? &la->fch : nullptr);
      lay.add(BT * 4 * C, la ? &la->fch_gelu : nullptr);
    }
    lay.add(BT * C, a ? &a->resid_out : nullptr);
    lay.add(BT * C, a ? &a->lnf : nullptr);
    lay.add(BT, a ? &a->lnf_mean : nullptr);
    lay.add(BT, a ? &a->lnf_rstd : nullptr);
    lay.add(BT * vocab_size(), a ? &a->logits : nullptr);
    lay.add(BT * vocab_size(), a ? &a->dlogits : nullptr);
    lay.add(BT * C, a ? &a->dresid : nullptr);
    lay.add(BT * C, a ? &a->dx : nullptr);
    lay.add(BT * 4 * C, a ? &a->dbig : nullptr);
    lay.add(BT * 4 * C, a ? &a->dbig2 : nullptr);
    lay.add(BT * 3 * C, a ? &a->dqkv : nullptr);
    lay.add(BT * C, a ? &a->dsmall : nullptr);
    return lay;
  }
  size_t vocab_size() const { return size_t(this->vocab_); }

  void ensure_workspace(int B, int T) override {
    if (B == wsB_ && T == wsT_) return;
    ActivationLayout<S> lay = layout(B, T, &a_);
    arena_.resize(this->be_, lay.total());
    lay.bind(arena_.data());
    wsB_ = B;
    wsT_ = T;
  }

  void forward(int B, int T) override {
    auto& d = this->be_.dense();
    auto& at = this->be_.attention();
    auto& ps = this->params_;
    const int BT = B * T, C = C_, hd = C_ / NH_;
    d.embedding_fwd(ps.value(wte_), tokens_.inputs(), a_.layer[0].resid_in, BT, C);
    // The first T rows of wpe are one contiguous [T*C] vector: add it to every sequence as a row bias.
    d.add_row_bias(a_.layer[0].resid_in, ps.value(wpe_), B, T * C);
    for (int l = 0; l < L_; ++l) {
      const Layer& ly = layers_[l];
      LayerActs& x = a_.layer[l];
      S* out = l + 1 < L_ ? a_.layer[l + 1].resid_in : a_.resid_out;
      d.layernorm_fwd(x.resid_in, ps.value(ly.ln1w), ps.value(ly.ln1b), x.ln1, x.ln1_mean, x.ln1_rstd, BT, C, 1e-5);
      linear(x.ln1, ly.qkvw, ly.qkvb, x.qkv, BT, C, 3 * C);
      at.causal_attention_fwd(x.qkv, x.qkv + C, x.qkv + 2 * C, 3 * C, x.att, x.atty, C, B, T, NH_, hd,
                              S(1.0 / std::sqrt(double(hd))));
      linear(x.atty, ly.attprojw, ly.attprojb, x.resid2, BT, C, C);
      d.axpy(S(1), x.resid_in, x.resid2, size_t(BT) * C);
      d.layernorm_fwd(x.resid2, ps.value(ly.ln2w), ps.value(ly.ln2b), x.ln2, x.ln2_mean, x.ln2_rstd, BT, C, 1e-5);
      linear(x.ln2, ly.fcw, ly.fcb, x.fch, BT, C, 4 * C);
      d.gelu_fwd(x.fch, x.fch_gelu, size_t(BT) * 4 * C);
      linear(x.fch_gelu, ly.fcprojw, ly.fcprojb, out, BT, 4 * C, C);
      d.axpy(S(1), x.resid2, out, size_t(BT) * C);
    }
    d.layernorm_fwd(a_.resid_out, ps.value(lnfw_), ps.value(lnfb_), a_.lnf, a_.lnf_mean, a_.lnf_rstd, BT, C, 1e-5);
    d.gemm(false, true, BT, this->vocab_, C, S(1), a_.lnf, C, ps.value(head_), C, S(0), a_.logits, this->vocab_);
  }

  void backward_pass(int B, int T) override {
    auto& d = this->be_.dense();
    auto& at = this->be_.attention();
    auto& ps = this->params_;
    const int BT = B * T, C = C_, V = this->vocab_, hd = C_ / NH_;
    ps.zero_grads();
    d.gemm(true, false, V, C, BT, S(1), a_.dlogits, V, a_.lnf, C, S(1), ps.grad(head_), C);
    d.gemm(false, false, BT, C, V, S(1), a_.dlogits, V, ps.value(head_), C, S(0), a_.dx, C);
    d.layernorm_bwd(a_.dx, a_.resid_out, ps.value(lnfw_), a_.lnf_mean, a_.lnf_rstd, a_.dresid, ps.grad(lnfw_),
                    ps.grad(lnfb_), BT, C);
    // a_.dresid holds dL/d(residual stream) at the current depth throughout.
    for (int l = L_ - 1; l >= 0; --l) {
      const Layer& ly = layers_[l];
      LayerActs& x = a_.layer[l];
      // MLP branch: out = resid2 + c_proj(gelu(c_fc(ln_2(resid2)))).
      linear_bwd(a_.dresid, x.fch_gelu, ly.fcprojw, ly.fcprojb, a_.dbig, BT, 4 * C, C);
      d.gelu_bwd(x.fch, a_.dbig, a_.dbig2, size_t(BT) * 4 * C);
      linear_bwd(a_.dbig2, x.ln2, ly.fcw, ly.fcb, a_.dsmall, BT, C, 4 * C);
      d.layernorm_bwd(a_.dsmall, x.resid2, ps.value(ly.ln2w), x.ln2_mean, x.ln2_rstd, a_.dx, ps.grad(ly.ln2w),
                      ps.grad(ly.ln2b), BT, C);
      d.axpy(S(1), a_.dx, a_.dresid, size_t(BT) * C);
      // Attention branch: resid2 = resid_in + c_proj(attn(c_attn(ln_1(resid_in)))).
      linear_bwd(a_.dresid, x.atty, ly.attprojw, ly.attprojb, a_.dsmall, BT, C, C);
      at.causal_attention_bwd(a_.dsmall, C, x.qkv, x.qkv + C, x.qkv + 2 * C, 3 * C, x.att, a_.dqkv, a_.dqkv + C,
                              a_.dqkv + 2 * C, 3 * C, B, T, NH_, hd, S(1.0 / std::sqrt(double(hd))));
      linear_bwd(a_.dqkv, x.ln1, ly.qkvw, ly.qkvb, a_.dsmall, BT, C, 3 * C);
      d.layernorm_bwd(a_.dsmall, x.resid_in, ps.value(ly.ln1w), x.ln1_mean, x.ln1_rstd, a_.dx, ps.grad(ly.ln1w),
                      ps.grad(ly.ln1b), BT, C);
      d.axpy(S(1), a_.dx, a_.dresid, size_t(BT) * C);
    }
    d.embedding_bwd(a_.dresid, tokens_.inputs(), ps.grad(wte_), BT, C);
    d.row_bias_grad(a_.dresid, ps.grad(wpe_), B, T * C);
  }

  // y[M, out] = x[M, in] W^T + b, W [out, in] as nn.Linear.
  void linear(const S* x, int w, int b, S* y, int M, int in, int out) {
    auto& d = this->be_.dense();
    d.gemm(false, true, M, out, in, S(1), x, in, this->params_.value(w), in, S(0), y, out);
    d.add_row_bias(y, this->params_.value(b), M, out);
  }
  // dW += dy^T x, db += colsum(dy), dx = dy W (overwrite).
  void linear_bwd(const S* dy, const S* x, int w, int b, S* dx, int M, int in, int out) {
    auto& d = this->be_.dense();
    auto& ps = this->params_;
    d.gemm(true, false, out, in, M, S(1), dy, out, x, in, S(1), ps.grad(w), in);
    d.row_bias_grad(dy, ps.grad(b), M, out);
    d.gemm(false, false, M, in, out, S(1), dy, out, ps.value(w), in, S(0), dx, in);
  }

  S* logits() override { return a_.logits; }
  S* dlogits() override { return a_.dlogits; }

  // The residual stream entering the final LayerNorm plays the role of a recurrent model's state, so
  // the app can compare its norm profile with the other models'.
  void fill_telemetry(int B, int T, Telemetry& tel) override {
    std::vector<S> r(size_t(B) * T * C_);
    this->be_.download_bytes(r.data(), a_.resid_out, r.size() * sizeof(S));
    std::vector<double> norms(size_t(B) * T), mn, mx;
    for (size_t i = 0; i < norms.size(); ++i) {
      double sq = 0;
      for (int c = 0; c < C_; ++c) sq += double(r[i * C_ + c]) * r[i * C_ + c];
      norms[i] = std::sqrt(sq);
    }
    std::vector<double> mean = batch_profile(norms, B, T, /*time_major=*/false, &mn, &mx);
    tel.profiles["state_norm"] = mean;
    tel.profiles["state_norm_min"] = mn;
    tel.profiles["state_norm_max"] = mx;
  }

  int C_ = 0, NH_ = 0, L_ = 0;
  int wte_ = -1, wpe_ = -1, lnfw_ = -1, lnfb_ = -1, head_ = -1;
  std::vector<Layer> layers_;
  Buffer<S> arena_;
  Acts a_{};
  int wsB_ = -1, wsT_ = -1;
};

}  // namespace

UDLAB_REGISTER_MODEL(Transformer, "transformer",
                     "GPT-2 style Transformer: pre-LayerNorm blocks, causal multi-head attention, 4x GELU MLP",
                     "hidden");

}  // namespace udlab
