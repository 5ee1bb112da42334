#include "core/models/lru/lru_mixer.h"

#include "core/models/lru/dense_recurrence.h"
#include "core/models/lru/lru_layer.h"
#include "core/util/error.h"

namespace udlab {

double lru_mixer_saved_elems(const ModelConfig& cfg, double M, double N) {
  if (cfg.lru_param == "dense") return M * N;                      // x
  return 4 * M * N + (cfg.lru_param == "stable-exp" ? 2 : 4) * N;  // b, x (complex), λ (+ ∂ℓ/∂λ)
}

template <class S>
std::unique_ptr<LruMixer<S>> make_lru_mixer(const ModelConfig& cfg, int H, Backend<S>& be, ParamStore<S>& ps,
                                            const std::string& prefix) {
  const std::string& p = cfg.lru_param;
  if (cfg.recurrence != "tanh" && cfg.recurrence != "linear")
    throw Error("lru: --recurrence must be tanh or linear (got '" + cfg.recurrence + "')");
  if (cfg.recurrence == "tanh" && p != "dense")
    throw Error("lru: --recurrence tanh needs --lru-param dense (a nonlinear recurrence has no diagonal form)");
  if (p == "dense" && (cfg.lru_init != "glorot" || cfg.lru_gamma))
    throw Error("lru: --lru-param dense takes --lru-init glorot --lru-gamma off (ring init and γ are defined for "
                "the diagonal rungs only)");
  if (p != "stable-exp" && !be.lru().has_ladder_ops())
    throw Error("lru: the ablation rung --lru-param " + p + " is not implemented on the " + be.name() +
                " backend; use --device cpu");
  if (p == "dense") return std::make_unique<DenseRecurrence<S>>(cfg, H, ps, prefix);
  return std::make_unique<LruLayer<S>>(cfg, H, ps, prefix);
}

template std::unique_ptr<LruMixer<float>> make_lru_mixer(const ModelConfig&, int, Backend<float>&,
                                                         ParamStore<float>&, const std::string&);
template std::unique_ptr<LruMixer<double>> make_lru_mixer(const ModelConfig&, int, Backend<double>&,
                                                          ParamStore<double>&, const std::string&);

}  // namespace udlab
