#include "ui/dashboard/seed_groups.h"

#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace udlab::ui {

namespace {
// Keys that change between repeats of one experiment without changing the experiment.
const char* const kIgnored[] = {"seed", "out", "run_dir", "name"};

QString withoutSeed(QString name) {
  static const QRegularExpression seed("\\s*\\b(s|seed)[=_ ]?\\d+\\s*$", QRegularExpression::CaseInsensitiveOption);
  return name.remove(seed).trimmed();
}
}  // namespace

std::vector<SeedGroup> groupBySeed(const std::vector<RunRef>& runs) {
  std::vector<SeedGroup> out;
  std::map<std::string, size_t> byKey;
  for (auto& r : runs) {
    const nlohmann::json* cfg = r.data ? &r.data->config : nullptr;
    if (!cfg || !cfg->is_object() || cfg->empty()) {
      out.push_back({r.name, {r}});
      continue;
    }
    nlohmann::json k = *cfg;
    for (const char* key : kIgnored) k.erase(key);
    auto [it, fresh] = byKey.emplace(k.dump(), out.size());
    if (fresh) out.push_back({withoutSeed(r.name), {r}});
    else out[it->second].runs.push_back(r);
  }
  // A group that stayed alone keeps its run's full name: it looks exactly as it does ungrouped.
  for (auto& g : out)
    if (g.runs.size() == 1) g.name = g.runs.front().name;
  return out;
}

std::vector<SeedGroup> singletonGroups(const std::vector<RunRef>& runs) {
  std::vector<SeedGroup> out;
  for (auto& r : runs) out.push_back({r.name, {r}});
  return out;
}

QString seedBandName(SeedBand b) {
  switch (b) {
    case SeedBand::Std: return "mean ± std";
    case SeedBand::StdErr: return "mean ± std-err";
    case SeedBand::MinMax: return "mean, min–max";
  }
  return {};
}

QString seedGroupLabel(const SeedGroup& g, SeedBand b) {
  return QString("%1 (N=%2, %3)").arg(g.name).arg(g.runs.size()).arg(seedBandName(b));
}

SeedStats seedStats(const std::vector<Series>& members, SeedBand b) {
  SeedStats st;
  if (members.empty()) return st;
  // step -> values, kept only where every member contributed one finite value.
  std::map<double, std::vector<double>> at;
  for (size_t i = 0; i < members[0].size(); ++i)
    if (std::isfinite(members[0].y[i])) at[members[0].x[i]] = {members[0].y[i]};
  for (size_t m = 1; m < members.size(); ++m) {
    std::map<double, double> mine;
    for (size_t i = 0; i < members[m].size(); ++i)
      if (std::isfinite(members[m].y[i])) mine[members[m].x[i]] = members[m].y[i];
    for (auto it = at.begin(); it != at.end();) {
      auto f = mine.find(it->first);
      if (f == mine.end()) {
        it = at.erase(it);
      } else {
        it->second.push_back(f->second);
        ++it;
      }
    }
  }
  const double n = double(members.size());
  for (auto& [x, v] : at) {
    double mean = 0;
    for (double y : v) mean += y;
    mean /= n;
    double ss = 0;
    for (double y : v) ss += (y - mean) * (y - mean);
    const double sd = v.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
    double lo, hi;
    if (b == SeedBand::MinMax) {
      lo = *std::min_element(v.begin(), v.end());
      hi = *std::max_element(v.begin(), v.end());
    } else {
      const double half = b == SeedBand::Std ? sd : sd / std::sqrt(n);
      lo = mean - half, hi = mean + half;
    }
    st.x.push_back(x);
    st.mean.push_back(mean);
    st.lower.push_back(lo);
    st.upper.push_back(hi);
  }
  return st;
}

std::vector<Curve> seedLossCurves(const std::vector<SeedGroup>& groups, LossMetric m, SeedBand b) {
  std::vector<Curve> out;
  for (auto& g : groups) {
    if (g.runs.empty()) continue;
    if (g.runs.size() == 1) {
      // lossCurves prefixes the run's name only when it draws several runs; so does this.
      auto cs = lossCurves(g.runs, m);
      if (groups.size() > 1)
        for (auto& c : cs) c.label = g.runs.front().name + " " + c.label;
      for (auto& c : cs) out.push_back(std::move(c));
      continue;
    }
    for (int val = 0; val < 2; ++val) {
      std::vector<Series> members;
      for (auto& r : g.runs) {
        Series s;
        if (lossSeries(*r.data, m, val, s.x, s.y)) members.push_back(std::move(s));
      }
      // A group whose members do not all log this split has no honest mean for it.
      if (members.size() != g.runs.size()) continue;
      SeedStats st = seedStats(members, b);
      if (st.x.empty()) continue;
      const char* split = val ? "val" : "train";
      Curve c;
      c.id = QString("group%1/%2").arg(g.runs.front().id).arg(split);
      c.label = seedGroupLabel(g, b) + " " + split;
      c.color = g.runs.front().color;
      c.style = val ? Qt::DashLine : Qt::SolidLine;
      c.smoothable = !val;
      c.x = std::move(st.x);
      c.y = std::move(st.mean);
      c.lower = std::move(st.lower);
      c.upper = std::move(st.upper);
      c.bandName = b == SeedBand::MinMax ? QStringLiteral("min–max") : seedBandName(b).mid(5);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace udlab::ui
