// The full-resolution history of one run as the charts need it, parsed once from metrics records
// (whether they come live from the engine or from a run directory's metrics.jsonl). No Qt, no
// per-model code: every numeric key becomes a series, every profile/spectrum a snapshot entry.
#pragma once
#include <complex>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace udlab::ui {

struct Series {
  std::vector<double> x, y;
  void push(double xv, double yv) {
    x.push_back(xv);
    y.push_back(yv);
  }
  size_t size() const { return x.size(); }
};

// The telemetry logged at one step (profiles over t, eigenvalue sets, scalars such as r_min).
struct Snapshot {
  int step = 0;
  std::map<std::string, std::vector<double>> profiles;
  std::map<std::string, std::vector<std::complex<double>>> eigenvalues;
  std::map<std::string, double> scalars;
};

struct RunEvent {
  int step = 0;
  std::string event, reason;
  nlohmann::json changes;  // an "edit": {key: {"from": x, "to": y}}
};

// One metrics record, parsed (on the training thread, so the GUI never parses JSON at run time).
struct ParsedRecord {
  int step = 0;
  std::vector<std::pair<std::string, double>> scalars, grad_norms;
  bool hasSnapshot = false;
  Snapshot snapshot;
  std::vector<RunEvent> events;
};

struct RunData {
  static constexpr size_t kMaxArray = 65536;  // the longest telemetry array a record may hold
  nlohmann::json config;    // config.json (null until known)
  nlohmann::json run_info;  // the engine's on_start object / run_info.json (null until known)
  std::map<std::string, Series> scalars;     // metric key -> (step, value), e.g. "train_loss"
  std::map<std::string, Series> grad_norms;  // parameter tensor -> (step, norm)
  std::vector<Snapshot> snapshots;           // in step order
  std::vector<RunEvent> events;
  std::string state;                         // status.json state ("" = unknown)
  int status_step = 0;
  std::string reason;
  size_t records = 0;

  // Parses one metrics.jsonl record. Throws udlab::Error when it is not an object with a numeric step.
  static ParsedRecord parse(const nlohmann::json& record);
  void apply(ParsedRecord&& r);
  void addRecord(const nlohmann::json& record) { apply(parse(record)); }
  // Takes state, step and reason from a status.json object (keeping what it lacks or has with the wrong
  // type); returns whether anything changed.
  bool applyStatus(const nlohmann::json& status);
  const Series* series(const std::string& key) const;
  int lastStep() const;
  // The writer stopped for good: finished, cancelled, diverged or failed.
  static bool isFinalState(const std::string& state);
  // status.json says a writer is still at it (running or paused): more records may come.
  bool live() const { return !state.empty() && !isFinalState(state); }
};

}  // namespace udlab::ui
