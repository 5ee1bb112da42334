#include "core/io/metrics_record.h"

#include <cmath>
#include <limits>

#include "core/util/error.h"

namespace udlab {

namespace {

constexpr const char* kKeys[kMetricCount] = {
    "tokens",  "lr",      "train_loss", "train_bpc",    "train_ppl",
    "accuracy", "position_accuracy", "grad_norm", "tokens_per_s", "val_loss",
    "val_bpc", "val_ppl", "val_accuracy", "val_position_accuracy", "wall_time"};

// The record's structured keys; everything else numeric is a scalar.
constexpr const char* kStep = "step";
constexpr const char* kGradNorms = "grad_norms";
constexpr const char* kProfiles = "profiles";
constexpr const char* kEigenvalues = "eigenvalues";
constexpr const char* kScalars = "scalars";
constexpr const char* kEvent = "event";
constexpr const char* kReason = "reason";
constexpr const char* kChanges = "changes";

// A structured key with a value of the wrong type is skipped, never taken for a scalar.
bool structured(const std::string& k) {
  for (const char* s : {kStep, kGradNorms, kProfiles, kEigenvalues, kScalars, kEvent, kReason, kChanges})
    if (k == s) return true;
  return false;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// JSON has no NaN or Inf: a non-finite number is written as null, and read back as NaN.
nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

bool number_or_null(const nlohmann::json& v, double* out) {
  if (v.is_number()) {
    *out = v.get<double>();
    return true;
  }
  if (v.is_null()) {
    *out = kNaN;
    return true;
  }
  return false;
}

// A step read from a file is range-checked before it becomes an int (a cast out of range is undefined).
bool step_value(const nlohmann::json& v, int* out) {
  if (!v.is_number()) return false;
  const double d = v.get<double>();
  if (!(d >= 0 && d <= 2147483647.0)) return false;
  *out = int(d);
  return true;
}

void check_size(const nlohmann::json& a, const std::string& key) {
  if (a.size() > MetricsRecord::kMaxArray)
    throw Error("a metrics record's '" + key + "' has " + std::to_string(a.size()) + " entries (at most " +
                std::to_string(MetricsRecord::kMaxArray) + ")");
}

void read_telemetry(const nlohmann::json& r, Telemetry& t, bool* any) {
  double d;
  if (auto it = r.find(kProfiles); it != r.end() && it->is_object()) {
    check_size(*it, kProfiles);
    *any = true;
    for (auto q = it->begin(); q != it->end(); ++q) {
      if (!q->is_array()) continue;
      check_size(*q, q.key());
      std::vector<double> vals;
      vals.reserve(q->size());
      for (auto& e : *q) vals.push_back(number_or_null(e, &d) ? d : kNaN);
      t.profiles[q.key()] = std::move(vals);
    }
  }
  if (auto it = r.find(kEigenvalues); it != r.end() && it->is_object()) {
    check_size(*it, kEigenvalues);
    *any = true;
    for (auto q = it->begin(); q != it->end(); ++q) {
      if (!q->is_array()) continue;
      check_size(*q, q.key());
      std::vector<std::complex<double>> vals;
      vals.reserve(q->size());
      for (auto& e : *q) {
        double re, im;
        if (e.is_array() && e.size() == 2 && number_or_null(e[0], &re) && number_or_null(e[1], &im)) vals.emplace_back(re, im);
      }
      t.eigenvalues[q.key()] = std::move(vals);
    }
  }
  if (auto it = r.find(kScalars); it != r.end() && it->is_object()) {
    check_size(*it, kScalars);
    *any = true;
    for (auto q = it->begin(); q != it->end(); ++q)
      if (number_or_null(q.value(), &d)) t.scalars[q.key()] = d;
  }
}

}  // namespace

const char* metric_key(Metric m) { return kKeys[size_t(m)]; }

std::optional<Metric> metric_from_key(std::string_view key) {
  for (size_t i = 0; i < kMetricCount; ++i)
    if (key == kKeys[i]) return Metric(i);
  return std::nullopt;
}

double MetricsRecord::get(Metric m) const { return has(m) ? values_[size_t(m)] : kNaN; }

nlohmann::json to_json(const MetricsRecord& r) {
  nlohmann::json j = nlohmann::json::object();
  j[kStep] = r.step;
  r.for_each_scalar([&](std::string_view k, double v) { j[std::string(k)] = number(v); });
  if (!r.grad_norms.empty()) {
    auto& g = j[kGradNorms] = nlohmann::json::object();
    for (const auto& [k, v] : r.grad_norms) g[k] = number(v);
  }
  const Telemetry& t = r.telemetry;
  if (!t.profiles.empty()) {
    auto& p = j[kProfiles] = nlohmann::json::object();
    for (const auto& [k, v] : t.profiles) {
      auto& a = p[k] = nlohmann::json::array();
      for (double x : v) a.push_back(number(x));
    }
  }
  if (!t.eigenvalues.empty()) {
    auto& e = j[kEigenvalues] = nlohmann::json::object();
    for (const auto& [k, v] : t.eigenvalues) {
      auto& a = e[k] = nlohmann::json::array();
      for (const auto& z : v) a.push_back({number(z.real()), number(z.imag())});
    }
  }
  if (!t.scalars.empty()) {
    auto& s = j[kScalars] = nlohmann::json::object();
    for (const auto& [k, v] : t.scalars) s[k] = number(v);
  }
  if (r.event) {
    j[kEvent] = r.event->kind;
    j[kReason] = r.event->reason;
    if (r.event->changes.is_object()) j[kChanges] = r.event->changes;
  }
  return j;
}

MetricsRecord metrics_record_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("a metrics record is not a JSON object");
  MetricsRecord r;
  auto it = j.find(kStep);
  if (it == j.end() || !step_value(*it, &r.step)) throw Error("a metrics record has no 'step' in 0..2147483647");
  read_telemetry(j, r.telemetry, &r.has_telemetry);
  if (auto g = j.find(kGradNorms); g != j.end() && g->is_object()) {
    check_size(*g, kGradNorms);
    double d;
    for (auto q = g->begin(); q != g->end(); ++q)
      if (number_or_null(q.value(), &d)) r.grad_norms.emplace_back(q.key(), d);
  }
  if (auto e = j.find(kEvent); e != j.end() && e->is_string()) {
    MetricsEvent ev;
    ev.kind = e->get<std::string>();
    if (auto rs = j.find(kReason); rs != j.end() && rs->is_string()) ev.reason = rs->get<std::string>();
    if (auto ch = j.find(kChanges); ch != j.end() && ch->is_object()) ev.changes = *ch;
    r.event = std::move(ev);
  }
  check_size(j, "record");
  for (auto kv = j.begin(); kv != j.end(); ++kv) {
    double d;
    if (structured(kv.key()) || !number_or_null(kv.value(), &d)) continue;
    if (auto m = metric_from_key(kv.key())) r.set(*m, d);
    else r.extra.emplace_back(kv.key(), d);
  }
  return r;
}

MetricsRecord parse_metrics_line(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) throw Error("a metrics record is not valid JSON");
  return metrics_record_from_json(j);
}

bool StatusRecord::is_final(const std::string& s) {
  return s == "finished" || s == "cancelled" || s == "diverged" || s == "failed";
}

nlohmann::json to_json(const StatusRecord& s) {
  nlohmann::json j = {{"state", s.state}, {"step", s.step}, {"reason", s.reason}};
  if (s.pid > 0) j["pid"] = s.pid;
  if (!s.host.empty()) j["host"] = s.host;
  if (s.heartbeat > 0) j["heartbeat"] = s.heartbeat;
  return j;
}

StatusRecord status_record_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("status.json is not a JSON object");
  StatusRecord s;
  auto str = [&](const char* key, std::string* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  s.has_state = str("state", &s.state);
  s.has_reason = str("reason", &s.reason);
  str("host", &s.host);
  if (auto it = j.find("step"); it != j.end()) s.has_step = step_value(*it, &s.step);
  // A pid is a positive int on every system udlab runs on; a heartbeat a time after 1970 and before 2500.
  if (auto it = j.find("pid"); it != j.end() && it->is_number_integer()) {
    const double p = it->get<double>();
    if (p > 0 && p <= 2147483647.0) s.pid = long(p);
  }
  if (auto it = j.find("heartbeat"); it != j.end() && it->is_number()) {
    const double h = it->get<double>();
    if (h > 0 && h < 1.7e10) s.heartbeat = h;
  }
  return s;
}

}  // namespace udlab
