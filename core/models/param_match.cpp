#include "core/models/param_match.h"

#include <cmath>
#include <limits>

#include "core/models/model_registry.h"

namespace udlab {
namespace {

// A backend with no memory and no ops: enough for a model constructor, which only declares tensors.
// Using the real CPU backend here would reset the process-wide OpenMP/Eigen thread counts.
class CountingBackend final : public Backend<float> {
 public:
  std::string name() const override { return "count-only"; }
  bool host_accessible() const override { return false; }
  void* alloc_bytes(size_t) override { throw Error("parameter counting cannot allocate memory"); }
  void free_bytes(void*) override {}
  void upload_bytes(void*, const void*, size_t) override { throw Error("parameter counting has no memory"); }
  void download_bytes(void*, const void*, size_t) override { throw Error("parameter counting has no memory"); }
  void copy_bytes(void*, const void*, size_t) override { throw Error("parameter counting has no memory"); }
  void zero_bytes(void*, size_t) override { throw Error("parameter counting has no memory"); }
};

int& field_ref(ModelConfig& c, const std::string& field) {
  if (field == "hidden") return c.hidden;
  if (field == "d") return c.d;
  throw Error("model '" + c.model + "' has no parameter-matching field (got '" + field + "')");
}

}  // namespace

size_t count_params(const ModelConfig& cfg, int vocab) {
  CountingBackend be;
  auto m = ModelRegistry::instance().get(cfg.model).make_float(cfg, vocab, be);
  return m->params().numel();
}

ParamMatch match_params(const ModelConfig& base, int vocab, size_t budget) {
  if (budget == 0) throw Error("parameter budget must be positive");
  const ModelInfo& info = ModelRegistry::instance().get(base.model);
  ParamMatch best;
  best.field = info.match_field;
  double best_err = std::numeric_limits<double>::infinity();
  ModelConfig c = base;
  int& v = field_ref(c, info.match_field);
  // Counts grow with the field, so the scan stops at the first valid value over the budget.
  constexpr int kMaxValue = 1 << 16;
  for (v = 1; v <= kMaxValue; ++v) {
    size_t n = 0;
    try {
      n = count_params(c, vocab);
    } catch (const Error&) {
      continue;  // a value this model or group rejects
    }
    double err = std::abs(double(n) - double(budget));
    if (err < best_err) {
      best_err = err;
      best.config = c;
      best.value = v;
      best.params = n;
      best.rel_error = (double(n) - double(budget)) / double(budget);
    }
    if (n > budget) break;
  }
  if (best.value == 0)
    throw Error("no valid value of --" + info.match_field + " for model '" + base.model + "'");
  return best;
}

}  // namespace udlab
