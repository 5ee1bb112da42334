#include "ui/dashboard/compare_curves.h"

#include <algorithm>
#include <cmath>

#include "ui/charts/chart_math.h"

namespace udlab::ui {

QStringList xAxisNames() { return {"steps", "tokens", "wall", "params"}; }

QString parseXAxis(const QString& name, XAxis* out) {
  const int i = int(xAxisNames().indexOf(name));
  if (i < 0) return QString("unknown x axis '%1' (use %2)").arg(name, xAxisNames().join(", "));
  *out = XAxis(i);
  return {};
}

QString xAxisTitle(XAxis a) {
  switch (a) {
    case XAxis::Step: return "step";
    case XAxis::Tokens: return "tokens seen";
    case XAxis::WallTime: return "wall time (s)";
    case XAxis::Params: return "parameters";
  }
  return {};
}

std::vector<double> stepsOnAxis(const RunData& d, XAxis a, const std::vector<double>& steps) {
  if (a == XAxis::Step || a == XAxis::Params) return steps;
  std::vector<double> out(steps.size(), NAN);
  const Series* s = d.series(a == XAxis::Tokens ? Metric::Tokens : Metric::WallTime);
  if (!s || !s->size()) return out;
  // (0, 0), then the logged (step, value) pairs in step order; a resumed run may log a step twice.
  std::vector<double> xs{0}, ys{0};
  for (size_t i = 0; i < s->size(); ++i)
    if (std::isfinite(s->x[i]) && std::isfinite(s->y[i]) && s->x[i] > xs.back()) xs.push_back(s->x[i]), ys.push_back(s->y[i]);
  if (xs.size() < 2) return out;
  for (size_t i = 0; i < steps.size(); ++i) {
    const double st = steps[i];
    if (!std::isfinite(st) || st < 0) continue;
    // The segment holding st; past the last record, the last segment's slope.
    size_t k = size_t(std::upper_bound(xs.begin(), xs.end(), st) - xs.begin());
    k = std::clamp<size_t>(k, 1, xs.size() - 1);
    const double t = (st - xs[k - 1]) / (xs[k] - xs[k - 1]);
    out[i] = ys[k - 1] + t * (ys[k] - ys[k - 1]);
  }
  return out;
}

std::vector<double> stepsOnAxis(const SeedGroup& g, XAxis a, const std::vector<double>& steps) {
  if (g.runs.size() == 1 || a == XAxis::Step || a == XAxis::Params) return g.runs.empty() ? steps : stepsOnAxis(*g.runs.front().data, a, steps);
  std::vector<double> sum(steps.size(), 0.0);
  for (auto& r : g.runs) {
    auto one = stepsOnAxis(*r.data, a, steps);
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += one[i];  // a NaN member makes the mean NaN: not drawn
  }
  for (double& v : sum) v /= double(g.runs.size());
  return sum;
}

namespace {
double lastFinite(const std::vector<double>& y) {
  for (size_t i = y.size(); i-- > 0;)
    if (std::isfinite(y[i])) return y[i];
  return NAN;
}
double paramsOf(const RunData& d) {
  auto it = d.run_info.is_object() ? d.run_info.find("params") : d.run_info.end();
  return d.run_info.is_object() && it != d.run_info.end() && it->is_number() ? it->get<double>() : NAN;
}

// A group's curves on the axis: each group drawn as seedLossCurves draws it among several.
std::vector<Curve> groupCurves(const SeedGroup& g, bool several, LossMetric m, SeedBand b, XAxis x) {
  auto cs = seedLossCurves({g}, m, b);
  for (auto& c : cs) {
    if (several && g.runs.size() == 1) c.label = g.runs.front().name + " " + c.label;
    if (x != XAxis::Step) c.x = stepsOnAxis(g, x, c.x);
  }
  return cs;
}

std::vector<Curve> paramScatter(const std::vector<SeedGroup>& groups, LossMetric m, SeedBand b) {
  std::vector<Curve> out;
  for (auto& g : groups) {
    double p = 0, v = 0;
    bool train = false;
    for (auto& r : g.runs) {
      std::vector<double> sx, sy;
      double last = lossSeries(*r.data, m, true, sx, sy) ? lastFinite(sy) : NAN;
      if (!std::isfinite(last) && lossSeries(*r.data, m, false, sx, sy)) last = lastFinite(sy), train = true;
      p += paramsOf(*r.data);
      v += last;
    }
    if (g.runs.empty()) continue;
    Curve c;
    c.id = QString("params/%1").arg(g.runs.front().id);
    c.label = (g.runs.size() > 1 ? seedGroupLabel(g, b) : g.name) + (train ? " (final train)" : "");
    c.color = g.runs.front().color;
    c.smoothable = false;
    c.markers = true;
    c.x = {p / double(g.runs.size())};
    c.y = {v / double(g.runs.size())};
    out.push_back(std::move(c));
  }
  return out;
}
}  // namespace

ComparePlot compareOverlay(const std::vector<SeedGroup>& groups, LossMetric m, SeedBand b, XAxis x) {
  ComparePlot p;
  p.xTitle = xAxisTitle(x);
  if (x == XAxis::Params) {
    p.title = "Final validation " + lossMetricTitle(m) + " against parameters";
    p.yTitle = "final val " + lossMetricTitle(m);
    p.curves = paramScatter(groups, m, b);
    return p;
  }
  p.title = "All runs";
  p.yTitle = lossMetricTitle(m);
  for (auto& g : groups)
    for (auto& c : groupCurves(g, groups.size() > 1, m, b, x)) p.curves.push_back(std::move(c));
  distinguishCoincident(p.curves);  // two runs that train the same model: both lines stay visible
  return p;
}

CompareMultiples compareMultiples(const std::vector<SeedGroup>& groups, LossMetric m, SeedBand b, XAxis x) {
  if (x == XAxis::Params) x = XAxis::Step;
  CompareMultiples out;
  std::vector<const std::vector<double>*> ys;
  double x0 = INFINITY, x1 = -INFINITY;
  for (auto& g : groups) {
    ComparePlot p;
    p.title = g.runs.size() > 1 ? seedGroupLabel(g, b) : g.name;
    p.xTitle = xAxisTitle(x);
    p.yTitle = lossMetricTitle(m);
    p.curves = groupCurves(g, false, m, b, x);
    out.charts.push_back(std::move(p));
  }
  // The union of every chart's range, bands included, once the curves sit where they stay.
  for (auto& p : out.charts)
    for (auto& c : p.curves) {
      ys.push_back(&c.y);
      if (!c.lower.empty()) ys.push_back(&c.lower), ys.push_back(&c.upper);
      for (double v : c.x)
        if (std::isfinite(v)) x0 = std::min(x0, v), x1 = std::max(x1, v);
    }
  if (x0 <= x1) {
    const Range yr = niceRange(ys, false);
    out.shared = true;
    out.x0 = x0, out.x1 = std::max(x1, x0 + 1), out.y0 = yr.lo, out.y1 = yr.hi;
  }
  return out;
}

}  // namespace udlab::ui
