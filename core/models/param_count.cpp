#include "core/models/param_count.h"

#include <cmath>
#include <cstdio>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/model_registry.h"
#include "core/util/error.h"

namespace udlab {

size_t count_params(const ModelConfig& cfg, int vocab) {
  static CpuBackend<float> counting_backend(1);  // never allocated through: models only declare tensors
  return ModelRegistry::instance().get(cfg.model).make_float(cfg, vocab, counting_backend)->params().numel();
}

MatchResult match_params(ModelConfig cfg, int vocab, size_t target, double tol) {
  const ModelInfo& info = ModelRegistry::instance().get(cfg.model);
  int* field = info.match_field == "d" ? &cfg.d : &cfg.hidden;
  // Counts grow monotonically with the width; invalid widths (e.g. an odd d for sp) throw and are skipped.
  auto count_at = [&](int w, size_t* out) {
    *field = w;
    try {
      *out = count_params(cfg, vocab);
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  const int limit = info.match_field == "d" ? 1024 : 1 << 16;
  int lo = 1, hi = limit;
  while (lo < hi) {  // smallest valid width with count >= target (invalid widths treated as too small)
    int mid = lo + (hi - lo) / 2;
    size_t c = 0;
    bool ok = count_at(mid, &c);
    if (ok && c >= target) hi = mid;
    else lo = mid + 1;
  }
  MatchResult best;
  bool found = false;
  for (int w = std::max(1, lo - 8); w <= std::min(limit, lo + 8); ++w) {
    size_t c = 0;
    if (!count_at(w, &c)) continue;
    double err = (double(c) - double(target)) / double(target);
    if (!found || std::abs(err) < std::abs(best.rel_error)) {
      best.cfg = cfg;
      best.params = c;
      best.rel_error = err;
      found = true;
    }
  }
  if (!found) throw Error("no valid " + info.match_field + " found for model " + cfg.model);
  if (std::abs(best.rel_error) > tol) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "model %s cannot land within ±%.0f%% of %zu parameters: closest is %s=%d with %zu",
                  cfg.model.c_str(), tol * 100, target, info.match_field.c_str(),
                  info.match_field == "d" ? best.cfg.d : best.cfg.hidden, best.params);
    throw Error(buf);
  }
  return best;
}

}  // namespace udlab
