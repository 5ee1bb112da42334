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
  // Counts grow with the width. Group models: scan d (small, and some d are invalid, e.g. odd d for sp).
  // Widths: double until the count passes the target (or the width becomes invalid, i.e. too large),
  // then bisect, treating invalid widths as too large.
  int lo = 1;
  if (info.match_field == "d") {
    for (int w = 1; w <= 1024; ++w) {
      size_t c = 0;
      if (count_at(w, &c) && c >= target) { lo = w; break; }
      lo = w;
    }
  } else {
    // Some widths are invalid only sporadically (a transformer's hidden must be a multiple of heads, so
    // hidden = 1..heads-1 are invalid): judge a width by the first valid one at or above it, which keeps
    // the bisection's predicate monotone. None within 64 means every larger width is invalid too.
    auto next_valid_count = [&](int w, size_t* c) {
      for (int k = w; k < w + 64; ++k)
        if (count_at(k, c)) return true;
      return false;
    };
    int hi = 1;
    size_t c = 0;
    while (hi < (1 << 20)) {
      bool ok = next_valid_count(hi, &c);
      if (!ok || c >= target) break;
      hi *= 2;
    }
    lo = std::max(1, hi / 2);
    while (lo < hi) {
      int mid = lo + (hi - lo) / 2;
      if (!next_valid_count(mid, &c) || c >= target) hi = mid;
      else lo = mid + 1;
    }
  }
  // Wide enough to hold the valid widths on both sides of lo even when only every 64th is valid.
  const int reach = info.match_field == "d" ? 8 : 64;
  MatchResult best;
  bool found = false;
  for (int w = std::max(1, lo - reach); w <= lo + reach; ++w) {
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
