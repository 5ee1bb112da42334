// Test fixture: metrics records shaped like the engine's (docs/metrics.md), for exercising the UI
// without a trained model.
#pragma once
#include <chrono>
#include <cmath>
#include <complex>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>


namespace udlab::test {

inline nlohmann::json syntheticRecord(int step, int T = 32, int nEig = 16, bool telemetry = true) {
  using nlohmann::json;
  double loss = 0.5 + 3.0 * std::exp(-step / 200.0) + 0.05 * std::sin(step * 0.7);
  json r = {{"step", step}, {"tokens", step * 1024}, {"wall_time", step * 0.01}, {"lr", 1e-3},
            {"train_loss", loss}, {"train_bpc", loss / std::log(2.0)}, {"train_ppl", std::exp(loss)},
            {"grad_norm", 1.0 + 0.5 * std::exp(-step / 100.0)}, {"tokens_per_s", 100000.0}};
  r["grad_norms"] = {{"embedding.weight", 0.3}, {"rnn.weight_hh_l0", 0.8 * std::exp(-step / 300.0)},
                     {"rnn.weight_hh_l1", 0.6}, {"head.weight", 0.5}};
  if (step % 50 == 0) {
    r["val_loss"] = loss + 0.1;
    r["val_bpc"] = (loss + 0.1) / std::log(2.0);
    r["val_ppl"] = std::exp(loss + 0.1);
  }
  if (telemetry) {
    json sn = json::array(), smin = json::array(), smax = json::array(), sg = json::array(), me = json::array();
    for (int t = 0; t < T; ++t) {
      double n = 1.0 + 0.02 * t;
      sn.push_back(n);
      smin.push_back(n * 0.9);
      smax.push_back(n * 1.1);
      sg.push_back(std::pow(0.9, T - 1 - t));
      me.push_back(1e-7 * (1 + t));
    }
    r["profiles"] = {{"state_norm", sn}, {"state_norm_min", smin}, {"state_norm_max", smax},
                     {"state_grad_norm", sg}, {"membership_error", me}};
    json ev = json::array();
    for (int k = 0; k < nEig; ++k) {
      double rad = 0.9 + 0.09 * k / nEig, ph = 2 * M_PI * k / nEig + step * 0.002;
      ev.push_back({rad * std::cos(ph), rad * std::sin(ph)});
    }
    r["eigenvalues"] = {{"lambda.layer0", ev}};
    r["scalars"] = {{"r_min", 0.9}, {"r_max", 0.999}};
  }
  return r;
}

// Writes a complete run directory with `steps` steps logged every `every`.
inline void writeSyntheticRun(const std::string& dir, int steps, int every = 10, const std::string& state = "finished") {
  nlohmann::json cfg = {{"model", "lru"}, {"r_min", 0.9}, {"r_max", 0.999}, {"lru_init", "ring"}, {"steps", steps}};
  std::ofstream(dir + "/config.json") << cfg.dump(2);
  std::ofstream m(dir + "/metrics.jsonl");
  for (int s = every; s <= steps; s += every) m << syntheticRecord(s, 32, 16, s % (every * 5) == 0).dump() << "\n";
  std::ofstream(dir + "/status.json") << nlohmann::json{{"state", state}, {"step", steps}, {"reason", ""}}.dump();
}

}  // namespace udlab::test
