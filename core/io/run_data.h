// The full-resolution history of one run as charts and tables need it, built from its metrics records
// and status (core/io/metrics_record.h), whoever reads them: the window's follower, `udlab-cli plot`,
// the lessons. No per-model code: every logged scalar becomes a series, every telemetry a snapshot.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/io/metrics_record.h"

namespace udlab {

// (step, value) pairs; a value logged as not finite is NaN: a gap in the line, not a point.
struct Series {
  std::vector<double> x, y;
  void push(double xv, double yv) {
    x.push_back(xv);
    y.push_back(yv);
  }
  size_t size() const { return x.size(); }
};

// The telemetry logged at one step (profiles over t, eigenvalue sets, scalars such as r_min).
struct Snapshot : Telemetry {
  int step = 0;
};

struct RunEvent {
  int step = 0;
  std::string event, reason;
  nlohmann::json changes;  // an "edit": {key: {"from": x, "to": y}}
};

struct RunData {
  nlohmann::json config;    // config.json (null until known)
  nlohmann::json run_info;  // the engine's on_start object / run_info.json (null until known)
  std::map<std::string, Series> scalars;     // on-disk metric key -> (step, value); series() looks them up
  std::map<std::string, Series> grad_norms;  // parameter tensor -> (step, norm)
  std::vector<Snapshot> snapshots;           // in step order
  std::vector<RunEvent> events;
  std::string state;                         // status.json state ("" = unknown)
  int status_step = 0;
  std::string reason;
  size_t records = 0;

  void apply(MetricsRecord&& r);
  // Throws udlab::Error when `record` is not a metrics record (metrics_record_from_json).
  void addRecord(const nlohmann::json& record) { apply(metrics_record_from_json(record)); }
  // Takes state, step and reason from status.json (keeping what it lacks or has with the wrong type);
  // returns whether anything changed.
  bool applyStatus(const StatusRecord& status);
  bool applyStatus(const nlohmann::json& status) { return status.is_object() && applyStatus(status_record_from_json(status)); }
  const Series* series(Metric m) const { return series(metric_key(m)); }
  // A metric by its on-disk name: one this build does not know (MetricsRecord::extra).
  const Series* series(const std::string& key) const;
  int lastStep() const;
  // The writer stopped for good: finished, cancelled, diverged or failed.
  static bool isFinalState(const std::string& state) { return StatusRecord::is_final(state); }
  // status.json says a writer is still at it (running or paused): more records may come.
  bool live() const { return !state.empty() && !isFinalState(state); }
};

}  // namespace udlab
