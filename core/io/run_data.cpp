#include "core/io/run_data.h"

namespace udlab {

void RunData::apply(MetricsRecord&& p) {
  p.for_each_scalar([&](std::string_view k, double v) { scalars[std::string(k)].push(p.step, v); });
  for (auto& [k, v] : p.grad_norms) grad_norms[k].push(p.step, v);
  if (p.has_telemetry) {
    if (!snapshots.empty() && snapshots.back().step == p.step) {
      // Telemetry split over two records of one step: merge.
      auto& s = snapshots.back();
      for (auto& [k, v] : p.telemetry.profiles) s.profiles[k] = std::move(v);
      for (auto& [k, v] : p.telemetry.eigenvalues) s.eigenvalues[k] = std::move(v);
      for (auto& [k, v] : p.telemetry.scalars) s.scalars[k] = v;
    } else {
      Snapshot s;
      static_cast<Telemetry&>(s) = std::move(p.telemetry);
      s.step = p.step;
      snapshots.push_back(std::move(s));
    }
  }
  if (p.event) {
    RunEvent e{p.step, std::move(p.event->kind), std::move(p.event->reason), std::move(p.event->changes)};
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

bool RunData::applyStatus(const StatusRecord& s) {
  const std::string& st = s.has_state ? s.state : state;
  const std::string& why = s.has_reason ? s.reason : reason;
  const int at = s.has_step ? s.step : status_step;
  if (st == state && at == status_step && why == reason) return false;
  state = st;
  status_step = at;
  reason = why;
  return true;
}

int RunData::lastStep() const {
  int s = status_step;
  for (auto& [k, v] : scalars)
    if (v.size()) s = std::max(s, int(v.x.back()));
  return s;
}

}  // namespace udlab
