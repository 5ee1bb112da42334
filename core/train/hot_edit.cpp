#include "core/train/hot_edit.h"

#include <cmath>
#include <cstdio>

#include "core/util/error.h"

namespace udlab {
namespace {

double* field(TrainConfig& t, const std::string& key) {
  if (key == "lr") return &t.lr;
  if (key == "clip") return &t.clip;
  if (key == "weight_decay") return &t.weight_decay;
  if (key == "min_lr_frac") return &t.min_lr_frac;
  return nullptr;
}

std::string fmt(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", x);
  return b;
}

}  // namespace

const std::vector<std::string>& hot_edit_keys() {
  static const std::vector<std::string> keys = {"lr", "clip", "weight_decay", "min_lr_frac"};
  return keys;
}

void validate_hot_edit(const nlohmann::json& changes) {
  if (!changes.is_object()) throw Error("hot edit: expected an object of key: number, got " + changes.dump());
  TrainConfig probe;
  for (auto it = changes.begin(); it != changes.end(); ++it) {
    const std::string& k = it.key();
    if (!field(probe, k)) throw Error("hot edit: " + k + " cannot be changed while a run trains (editable: lr, clip, weight_decay, min_lr_frac)");
    if (!it->is_number()) throw Error("hot edit: " + k + " must be a number, got " + it->dump());
    const double v = it->get<double>();
    if (!std::isfinite(v)) throw Error("hot edit: " + k + " must be finite");
    if (k == "lr" && !(v > 0)) throw Error("hot edit: lr must be positive, got " + fmt(v));
    if ((k == "clip" || k == "weight_decay") && v < 0) throw Error("hot edit: " + k + " must not be negative, got " + fmt(v));
    if (k == "min_lr_frac" && (v < 0 || v > 1)) throw Error("hot edit: min_lr_frac must be in [0, 1], got " + fmt(v));
  }
}

nlohmann::json apply_hot_edit(TrainConfig& t, const nlohmann::json& changes) {
  validate_hot_edit(changes);
  nlohmann::json applied = nlohmann::json::object();
  // In the fixed key order, so the record and its reason read the same whatever order the caller used.
  for (const auto& k : hot_edit_keys()) {
    auto it = changes.find(k);
    if (it == changes.end()) continue;
    double* f = field(t, k);
    const double to = it->get<double>();
    if (*f == to) continue;
    applied[k] = {{"from", *f}, {"to", to}};
    *f = to;
  }
  return applied;
}

std::string describe_hot_edit(const nlohmann::json& applied) {
  std::string s;
  for (const auto& k : hot_edit_keys()) {
    auto it = applied.find(k);
    if (it == applied.end()) continue;
    if (!s.empty()) s += ", ";
    s += k + " " + fmt((*it)["from"].get<double>()) + " -> " + fmt((*it)["to"].get<double>());
  }
  return s;
}

}  // namespace udlab
