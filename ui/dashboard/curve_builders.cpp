#include "ui/dashboard/curve_builders.h"

#include "ui/charts/chart_math.h"

#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace udlab::ui {

namespace {
QString prefix(const std::vector<RunRef>& runs, const RunRef& r) { return runs.size() > 1 ? r.name + " " : QString(); }

std::vector<double> mapY(const std::vector<double>& y, double (*f)(double)) {
  std::vector<double> o(y.size());
  for (size_t i = 0; i < y.size(); ++i) o[i] = f(y[i]);
  return o;
}
double expf_(double v) { return std::exp(v); }
double bpc_(double v) { return v / std::log(2.0); }

// config.json is a file like any other: a key of the wrong type reads as absent, never throws.
std::string configText(const nlohmann::json& c, const char* key, const char* fallback) {
  auto it = c.is_object() ? c.find(key) : c.end();
  return c.is_object() && it != c.end() && it->is_string() ? it->get<std::string>() : fallback;
}
double configNumber(const nlohmann::json& c, const char* key, double fallback) {
  auto it = c.is_object() ? c.find(key) : c.end();
  return c.is_object() && it != c.end() && it->is_number() ? it->get<double>() : fallback;
}
}  // namespace

QString lossMetricTitle(LossMetric m) {
  switch (m) {
    case LossMetric::Loss: return "loss (nats)";
    case LossMetric::Perplexity: return "perplexity";
    case LossMetric::Bpc: return "bits per character";
    case LossMetric::Accuracy: return "accuracy";
  }
  return {};
}

bool lossSeries(const RunData& d, LossMetric m, bool val, std::vector<double>& x, std::vector<double>& y) {
  const Series* s = nullptr;
  const Metric base = val ? Metric::ValLoss : Metric::TrainLoss;
  if (m == LossMetric::Accuracy) {
    s = d.series(val ? Metric::ValAccuracy : Metric::Accuracy);
    if (s) y = s->y;
  } else if (m == LossMetric::Loss) {
    s = d.series(base);
    if (s) y = s->y;
  } else {
    // Prefer the engine's own column; derive it from the loss when an older run lacks it.
    const Metric key = m == LossMetric::Perplexity ? (val ? Metric::ValPpl : Metric::TrainPpl) : (val ? Metric::ValBpc : Metric::TrainBpc);
    if ((s = d.series(key))) {
      y = s->y;
    } else if ((s = d.series(base))) {
      y = mapY(s->y, m == LossMetric::Perplexity ? expf_ : bpc_);
    }
  }
  if (!s || s->size() == 0) return false;
  x = s->x;
  return true;
}

std::vector<Curve> lossCurves(const std::vector<RunRef>& runs, LossMetric m) {
  std::vector<Curve> out;
  for (auto& r : runs) {
    for (int val = 0; val < 2; ++val) {
      Curve c;
      if (!lossSeries(*r.data, m, val, c.x, c.y)) continue;
      const char* split = val ? "val" : "train";
      c.id = QString("%1/%2").arg(r.id).arg(split);
      c.label = prefix(runs, r) + split;
      c.color = r.color;
      c.style = val ? Qt::DashLine : Qt::SolidLine;
      c.smoothable = !val;  // validation points are sparse and already averaged
      out.push_back(std::move(c));
    }
    // The task's memoryless baseline (run_info.json "baseline_loss", e.g. 10·log 8/(T+20) for the
    // standard copying problem) as a dotted horizontal line over the run's steps.
    const auto& info = r.data->run_info;
    if (m != LossMetric::Accuracy && !out.empty() && out.back().id.startsWith(r.id + "/") && info.is_object() &&
        info.contains("baseline_loss") && info["baseline_loss"].is_number()) {
      const double b = info["baseline_loss"].get<double>();
      const auto& last = out.back();
      Curve c;
      c.id = QString("%1/baseline").arg(r.id);
      c.label = prefix(runs, r) + "memoryless baseline";
      c.color = r.color;
      c.style = Qt::DotLine;
      c.smoothable = false;
      c.x = {last.x.front(), last.x.back()};
      const double v = m == LossMetric::Perplexity ? std::exp(b) : m == LossMetric::Bpc ? bpc_(b) : b;
      c.y = {v, v};
      out.push_back(std::move(c));
    }
  }
  distinguishCoincident(out);
  return out;
}

QString tensorGroup(const QString& name) {
  static const QRegularExpression digits("\\d+");
  QString g = name;
  g.replace(digits, "*");
  return g;
}

std::vector<Curve> gradCurves(const std::vector<RunRef>& runs, bool perTensor) {
  std::vector<Curve> out;
  for (auto& r : runs) {
    if (auto* s = r.data->series(Metric::GradNorm); s && s->size()) {
      Curve c;
      c.id = QString("%1/grad_norm").arg(r.id);
      c.label = prefix(runs, r) + "global";
      c.color = r.color;
      c.widthScale = 1.3;
      c.smoothable = true;
      c.x = s->x;
      c.y = s->y;
      out.push_back(std::move(c));
    }
    if (!perTensor) continue;
    // Group tensors; the combined norm is sqrt(sum of squares) step by step (steps line up because
    // every record carries every tensor).
    std::map<QString, std::vector<const Series*>> groups;
    for (auto& [name, s] : r.data->grad_norms) groups[tensorGroup(QString::fromStdString(name))].push_back(&s);
    int k = 0;
    for (auto& [g, members] : groups) {
      Curve c;
      c.id = QString("%1/g/%2").arg(r.id).arg(g);
      c.label = prefix(runs, r) + g;
      c.color = runs.size() > 1 ? r.color.lighter(140) : runColor(k + 1);
      c.style = runs.size() > 1 ? Qt::DotLine : Qt::SolidLine;
      c.widthScale = 0.5;
      c.inLegend = runs.size() == 1;  // with several runs the legend would list every tensor of each
      c.rawUnderlay = false;          // their smoothed trend is the point; the global norm keeps its raw curve
      const Series* first = members.front();
      c.x = first->x;
      c.y.assign(first->size(), 0.0);
      for (auto* m : members)
        for (size_t i = 0; i < c.y.size() && i < m->size(); ++i) c.y[i] += m->y[i] * m->y[i];
      for (auto& v : c.y) v = std::sqrt(v);
      out.push_back(std::move(c));
      ++k;
    }
  }
  return out;
}

const Snapshot* profileSnapshot(const RunData& d, int step) {
  const Snapshot* best = nullptr;
  for (auto& s : d.snapshots) {
    if (step >= 0 && s.step > step) break;
    if (!s.profiles.empty()) best = &s;
  }
  return best;
}

const Snapshot* eigenSnapshot(const RunData& d, int step, const Snapshot** previous) {
  const Snapshot *best = nullptr, *prev = nullptr;
  for (auto& s : d.snapshots) {
    if (step >= 0 && s.step > step) break;
    if (s.eigenvalues.empty()) continue;
    prev = best;
    best = &s;
  }
  if (previous) *previous = prev;
  return best;
}

namespace {
Curve profileCurve(const RunRef& r, const std::vector<RunRef>& runs, const Snapshot& s, const std::string& key,
                   const QString& label, Qt::PenStyle style) {
  Curve c;
  c.id = QString("%1/%2").arg(r.id).arg(QString::fromStdString(key));
  c.label = prefix(runs, r) + label;
  c.color = r.color;
  c.style = style;
  c.smoothable = false;
  auto& y = s.profiles.at(key);
  c.x.resize(y.size());
  for (size_t t = 0; t < y.size(); ++t) c.x[t] = double(t);
  c.y = y;
  return c;
}
}  // namespace

std::vector<Curve> stateNormCurves(const std::vector<RunRef>& runs, int step) {
  std::vector<Curve> out;
  for (auto& r : runs) {
    const Snapshot* s = profileSnapshot(*r.data, step);
    if (!s || !s->profiles.count("state_norm")) continue;
    Curve c = profileCurve(r, runs, *s, "state_norm", QString("‖h_t‖ @ step %1").arg(s->step), Qt::SolidLine);
    auto lo = s->profiles.find("state_norm_min"), hi = s->profiles.find("state_norm_max");
    if (lo != s->profiles.end() && hi != s->profiles.end() && lo->second.size() == c.x.size() && hi->second.size() == c.x.size()) {
      c.lower = lo->second;
      c.upper = hi->second;
    }
    out.push_back(std::move(c));
  }
  distinguishCoincident(out);
  return out;
}

std::vector<Curve> stateGradCurves(const std::vector<RunRef>& runs, int step) {
  std::vector<Curve> out;
  for (auto& r : runs) {
    const Snapshot* s = profileSnapshot(*r.data, step);
    if (!s) continue;
    if (s->profiles.count("state_grad_norm"))
      out.push_back(profileCurve(r, runs, *s, "state_grad_norm", "‖∂L/∂h_t‖", Qt::SolidLine));
  }
  return out;
}

std::vector<Curve> membershipCurves(const std::vector<RunRef>& runs, int step) {
  std::vector<Curve> out;
  for (auto& r : runs) {
    const Snapshot* s = profileSnapshot(*r.data, step);
    if (s && s->profiles.count("membership_error"))
      out.push_back(profileCurve(r, runs, *s, "membership_error", "membership error", Qt::SolidLine));
  }
  return out;
}

void distinguishCoincident(std::vector<Curve>& curves) {
  static const Qt::PenStyle styles[] = {Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
  int k = 0;
  for (size_t i = 1; i < curves.size(); ++i) {
    Curve& c = curves[i];
    if (c.style != Qt::SolidLine || c.y.empty()) continue;
    for (size_t j = 0; j < i; ++j) {
      const Curve& o = curves[j];
      if (o.x != c.x || o.y.size() != c.y.size()) continue;
      double diff = 0, mag = 0;
      for (size_t t = 0; t < c.y.size(); ++t) {
        diff = std::max(diff, std::abs(c.y[t] - o.y[t]));
        mag = std::max(mag, std::abs(o.y[t]));
      }
      if (std::isfinite(diff) && diff <= 1e-6 * std::max(mag, 1e-30)) {
        c.style = styles[k++ % 3];
        break;
      }
    }
  }
}

QStringList identicalModelNotes(const std::vector<RunRef>& runs) {
  // The config as the model trains it: O(d) without reflect is SO(d); keys that change no number of
  // the training (threads, device, logging intervals, where the data lives) are dropped.
  auto effective = [](nlohmann::json c) {
    if (!c.is_object()) return c;
    for (const char* k : {"threads", "device", "data_dir", "log_every", "eval_every", "telemetry_every", "checkpoint_every"})
      c.erase(k);
    if (c.value("group", "") == "o" && !c.value("reflect", false)) c["group"] = "so";
    c.erase("reflect");
    return c;
  };
  QStringList notes;
  for (size_t i = 0; i < runs.size(); ++i)
    for (size_t j = i + 1; j < runs.size(); ++j) {
      const auto& a = runs[i].data->config;
      const auto& b = runs[j].data->config;
      if (!a.is_object() || !b.is_object() || a == b) continue;
      if (effective(a) == effective(b))
        notes << QString("%1 and %2 train the same model%3: their curves coincide.")
                     .arg(runs[i].name, runs[j].name,
                          a.value("group", "") == "o" || b.value("group", "") == "o" ? " (O(d) without --reflect stays in SO(d))" : "");
    }
  return notes;
}

QString runLabel(const RunData& d, const QString& fallback) {
  if (d.run_info.is_object()) {
    auto it = d.run_info.find("label");
    if (it != d.run_info.end() && it->is_string() && !it->get<std::string>().empty())
      return QString::fromStdString(it->get<std::string>());
  }
  return fallback;
}

std::vector<int> eigenSteps(const std::vector<RunRef>& runs) {
  std::set<int> steps;
  for (auto& r : runs)
    for (auto& s : r.data->snapshots)
      if (!s.eigenvalues.empty()) steps.insert(s.step);
  return {steps.begin(), steps.end()};
}

EigenView eigenView(const std::vector<RunRef>& runs, int step) {
  EigenView v;
  std::map<std::string, int> shapes;
  for (auto& r : runs) {
    const Snapshot* prev = nullptr;
    const Snapshot* s = eigenSnapshot(*r.data, step, &prev);
    if (!s) continue;
    v.step = std::max(v.step, s->step);
    for (auto& [name, z] : s->eigenvalues) {
      int shape = shapes.emplace(name, int(shapes.size()) % 3).first->second;
      const QString qn = QString::fromStdString(name);
      if (prev) {
        auto it = prev->eigenvalues.find(name);
        if (it != prev->eigenvalues.end()) {
          PointSet f;
          f.id = QString("%1/%2/prev").arg(r.id).arg(qn);
          f.label = prefix(runs, r) + qn + " (previous)";
          f.color = r.color;
          f.faded = true;
          f.shape = shape;
          f.z = thinPoints(it->second);
          v.sets.push_back(std::move(f));
        }
      }
      PointSet p;
      p.id = QString("%1/%2").arg(r.id).arg(qn);
      p.label = prefix(runs, r) + qn;
      p.color = r.color;
      p.shape = shape;
      p.z = thinPoints(z);
      v.sets.push_back(std::move(p));
    }
    if (v.rings.empty()) {
      auto sc = [&](const char* k, double* out) {
        auto it = s->scalars.find(k);
        if (it == s->scalars.end()) return false;
        *out = it->second;
        return true;
      };
      double rmin, rmax;
      if (sc("r_min", &rmin) && sc("r_max", &rmax) && std::isfinite(rmin) && std::isfinite(rmax)) {
        v.rings.push_back({rmin, QString("r_min = %1").arg(rmin, 0, 'g', 3)});
        v.rings.push_back({rmax, QString("r_max = %1").arg(rmax, 0, 'g', 3)});
      } else if (configText(r.data->config, "model", "") == "lru" &&
                 configText(r.data->config, "lru_init", "ring") == "ring") {
        rmin = configNumber(r.data->config, "r_min", 0.0);
        rmax = configNumber(r.data->config, "r_max", 0.0);
        if (rmax > 0 && std::isfinite(rmax) && std::isfinite(rmin)) {
          v.rings.push_back({rmin, QString("r_min = %1").arg(rmin, 0, 'g', 3)});
          v.rings.push_back({rmax, QString("r_max = %1").arg(rmax, 0, 'g', 3)});
        }
      }
    }
  }
  return v;
}

std::vector<Mark> eventMarks(const std::vector<RunRef>& runs) {
  std::vector<Mark> marks;
  for (auto& r : runs) {
    if (!r.data) continue;
    for (auto& e : r.data->events) {
      QString reason = QString::fromStdString(e.reason);
      if (e.event == "edit")
        marks.push_back({double(e.step), QString("step %1: %2").arg(e.step).arg(reason.replace("->", "→")), r.color});
      else if (e.event == "diverged")
        marks.push_back({double(e.step), QString("diverged, %1").arg(reason), r.color});
    }
  }
  return marks;
}

}  // namespace udlab::ui
