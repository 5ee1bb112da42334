// The records of a run directory as types: one line of metrics.jsonl (MetricsRecord) and status.json
// (StatusRecord), each with its one JSON writer and its one parser (schema in docs/metrics.md). The
// trainer writes through these; the CLI, sweeps, lessons and the GUI read through them, so the key
// names live here only. Parsers range-check every number (a run directory is a file like any other)
// and throw udlab::Error naming what is wrong.
#pragma once
#include <array>
#include <bitset>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/models/telemetry.h"

namespace udlab {

// The scalars the trainer logs. On disk each is a key of the record (metric_key).
enum class Metric {
  Tokens,         // training tokens seen
  Lr,             // learning rate of the last step
  TrainLoss,      // mean cross-entropy (nats) since the last record
  TrainBpc,       // train_loss / ln 2
  TrainPpl,       // exp(train_loss)
  Accuracy,       // synthetic tasks: argmax accuracy on the answers since the last record
  PositionAccuracy,  // copy task, standard loss: accuracy over all weighted positions
  GradNorm,       // global gradient L2 norm of the last step, before clipping
  TokensPerS,     // throughput over the interval (training steps only)
  ValLoss,
  ValBpc,
  ValPpl,
  ValAccuracy,
  ValPositionAccuracy,
  WallTime,       // seconds since the run started, excluding time paused
};
constexpr size_t kMetricCount = size_t(Metric::WallTime) + 1;
const char* metric_key(Metric m);
std::optional<Metric> metric_from_key(std::string_view key);

// The rare records that are not measurements: "diverged", "edit", "edit_rejected".
struct MetricsEvent {
  std::string kind;
  std::string reason;
  nlohmann::json changes;  // "edit": {config key: {"from": x, "to": y}}; null otherwise
};

struct MetricsRecord {
  // Telemetry arrays are one entry per time position, hidden unit or eigenvalue; a longer one (or an
  // object with more entries) is a damaged file, and drawing it would cost minutes and gigabytes.
  static constexpr size_t kMaxArray = 65536;

  int step = 0;  // optimiser steps completed
  // A logged metric that was not finite is NaN here (null on disk): charts draw it as a gap.
  void set(Metric m, double v) {
    values_[size_t(m)] = v;
    logged_.set(size_t(m));
  }
  bool has(Metric m) const { return logged_.test(size_t(m)); }
  // NaN when not logged in this record or not finite.
  double get(Metric m) const;
  // Numeric keys this build does not know (another writer's, a newer version's): kept, and plotted
  // by name like the others.
  std::vector<std::pair<std::string, double>> extra;
  std::vector<std::pair<std::string, double>> grad_norms;  // parameter tensor -> norm (NaN: not finite)
  bool has_telemetry = false;
  Telemetry telemetry;
  std::optional<MetricsEvent> event;

  // Every logged scalar as (on-disk key, value): the metrics this build knows, then `extra`.
  template <class F>
  void for_each_scalar(F&& f) const {
    for (size_t i = 0; i < kMetricCount; ++i)
      if (logged_.test(i)) f(std::string_view(metric_key(Metric(i))), values_[i]);
    for (const auto& [k, v] : extra) f(std::string_view(k), v);
  }

 private:
  std::array<double, kMetricCount> values_{};
  std::bitset<kMetricCount> logged_;
};

nlohmann::json to_json(const MetricsRecord& r);
// Throws udlab::Error when `j` is not an object with a step in 0..2147483647, or a telemetry array or
// object is longer than kMaxArray. Values of the wrong type are skipped: a reader keeps what it can.
MetricsRecord metrics_record_from_json(const nlohmann::json& j);
// One line of metrics.jsonl; invalid JSON is an Error too.
MetricsRecord parse_metrics_line(std::string_view line);

// status.json: written atomically by the training process (StatusWriter), read by everyone else.
struct StatusRecord {
  std::string state;   // running | paused | finished | cancelled | diverged | failed ("" = unknown)
  int step = 0;
  std::string reason;
  long pid = 0;        // 0: not written (older writers)
  std::string host;
  double heartbeat = 0;  // seconds since the epoch; 0: not written
  bool has_state = false, has_step = false, has_reason = false;

  bool live() const { return state == "running" || state == "paused"; }
  // The writer stopped for good: finished, cancelled, diverged or failed.
  static bool is_final(const std::string& state);
};

nlohmann::json to_json(const StatusRecord& s);
// Fields missing or of the wrong type are left unset (has_*); numbers out of range are refused as if
// missing. Throws udlab::Error only when `j` is not an object.
StatusRecord status_record_from_json(const nlohmann::json& j);

}  // namespace udlab
