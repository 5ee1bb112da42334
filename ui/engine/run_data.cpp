#include "ui/engine/run_data.h"

#include <limits>

#include "core/util/error.h"

namespace udlab::ui {

namespace {
// JSON has no NaN: nlohmann writes a non-finite double as null. Keep it as NaN so a diverged value is
// visible to the chart's filter instead of silently vanishing from the history.
bool numberOrNull(const nlohmann::json& v, double* out) {
  if (v.is_number()) {
    *out = v.get<double>();
    return true;
  }
  if (v.is_null()) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  return false;
}

// A step read from a file is range-checked before it becomes an int (a cast out of range is undefined).
bool stepValue(const nlohmann::json& v, int* out) {
  if (!v.is_number()) return false;
  const double d = v.get<double>();
  if (!(d >= 0 && d <= 2147483647.0)) return false;
  *out = int(d);
  return true;
}

// Telemetry arrays are one entry per time position, hidden unit or eigenvalue. A longer one is a
// damaged file, and drawing it would cost the chart minutes and gigabytes.
void checkArraySize(const nlohmann::json& a, const std::string& key) {
  if (a.size() > RunData::kMaxArray)
    throw Error("a metrics record's '" + key + "' array has " + std::to_string(a.size()) + " entries (at most " +
                std::to_string(RunData::kMaxArray) + ")");
}

}  // namespace

ParsedRecord RunData::parse(const nlohmann::json& r) {
  if (!r.is_object()) throw Error("a metrics record is not a JSON object");
  auto it = r.find("step");
  ParsedRecord p;
  if (it == r.end() || !stepValue(*it, &p.step)) throw Error("a metrics record has no 'step' in 0..2147483647");
  p.snapshot.step = p.step;
  for (auto kv = r.begin(); kv != r.end(); ++kv) {
    const std::string& key = kv.key();
    const auto& v = kv.value();
    double d;
    if (key == "step") continue;
    if (key == "grad_norms" && v.is_object()) {
      for (auto g = v.begin(); g != v.end(); ++g)
        if (numberOrNull(g.value(), &d)) p.grad_norms.emplace_back(g.key(), d);
    } else if (key == "profiles" && v.is_object()) {
      p.hasSnapshot = true;
      for (auto q = v.begin(); q != v.end(); ++q) {
        if (!q->is_array()) continue;
        checkArraySize(*q, q.key());
        std::vector<double> vals;
        vals.reserve(q->size());
        for (auto& e : *q) vals.push_back(numberOrNull(e, &d) ? d : std::numeric_limits<double>::quiet_NaN());
        p.snapshot.profiles[q.key()] = std::move(vals);
      }
    } else if (key == "eigenvalues" && v.is_object()) {
      p.hasSnapshot = true;
      for (auto q = v.begin(); q != v.end(); ++q) {
        if (!q->is_array()) continue;
        checkArraySize(*q, q.key());
        std::vector<std::complex<double>> vals;
        vals.reserve(q->size());
        for (auto& e : *q) {
          double re, im;
          if (e.is_array() && e.size() == 2 && numberOrNull(e[0], &re) && numberOrNull(e[1], &im)) vals.emplace_back(re, im);
        }
        p.snapshot.eigenvalues[q.key()] = std::move(vals);
      }
    } else if (key == "scalars" && v.is_object()) {
      p.hasSnapshot = true;
      for (auto q = v.begin(); q != v.end(); ++q)
        if (numberOrNull(q.value(), &d)) p.snapshot.scalars[q.key()] = d;
    } else if (key == "event" && v.is_string()) {
      RunEvent e;
      e.step = p.step;
      e.event = v.get<std::string>();
      if (auto rs = r.find("reason"); rs != r.end() && rs->is_string()) e.reason = rs->get<std::string>();
      if (auto ch = r.find("changes"); ch != r.end() && ch->is_object()) e.changes = *ch;
      p.events.push_back(std::move(e));
    } else if (numberOrNull(v, &d)) {
      p.scalars.emplace_back(key, d);
    }
  }
  return p;
}

void RunData::apply(ParsedRecord&& p) {
  for (auto& [k, v] : p.scalars) scalars[k].push(p.step, v);
  for (auto& [k, v] : p.grad_norms) grad_norms[k].push(p.step, v);
  if (p.hasSnapshot) {
    if (!snapshots.empty() && snapshots.back().step == p.step) {
      // Telemetry split over two records of one step: merge.
      auto& s = snapshots.back();
      for (auto& [k, v] : p.snapshot.profiles) s.profiles[k] = std::move(v);
      for (auto& [k, v] : p.snapshot.eigenvalues) s.eigenvalues[k] = std::move(v);
      for (auto& [k, v] : p.snapshot.scalars) s.scalars[k] = v;
    } else {
      snapshots.push_back(std::move(p.snapshot));
    }
  }
  for (auto& e : p.events) {
    // The config mirrors what the engine confirmed it applied, not what was asked of it.
    if (e.event == "edit" && config.is_object())
      for (auto it = e.changes.begin(); it != e.changes.end(); ++it)
        if (it->is_object() && it->contains("to")) config[it.key()] = (*it)["to"];
    events.push_back(std::move(e));
  }
  ++records;
}

const Series* RunData::series(const std::string& key) const {
  auto it = scalars.find(key);
  return it == scalars.end() ? nullptr : &it->second;
}

bool RunData::applyStatus(const nlohmann::json& s) {
  auto field = [&](const char* key, auto fallback, bool ok) { return ok ? s[key].get<decltype(fallback)>() : fallback; };
  const std::string st = field("state", state, s.contains("state") && s["state"].is_string());
  const std::string why = field("reason", reason, s.contains("reason") && s["reason"].is_string());
  int at = status_step;
  if (s.contains("step")) stepValue(s["step"], &at);
  if (st == state && at == status_step && why == reason) return false;
  state = st;
  status_step = at;
  reason = why;
  return true;
}

bool RunData::isFinalState(const std::string& s) {
  return s == "finished" || s == "cancelled" || s == "diverged" || s == "failed";
}

int RunData::lastStep() const {
  int s = status_step;
  for (auto& [k, v] : scalars)
    if (v.size()) s = std::max(s, int(v.x.back()));
  return s;
}

}  // namespace udlab::ui
