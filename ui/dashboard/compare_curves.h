// What the compare view and its figures draw, in one place so that an export shows what the view
// shows: the metric over steps, tokens seen or wall time, or a summary scatter of each run's final
// metric against its parameter count; and the small multiples on shared axes.
#pragma once
#include <QString>
#include <QStringList>
#include <vector>

#include "ui/dashboard/seed_groups.h"

namespace udlab::ui {

enum class XAxis { Step, Tokens, WallTime, Params };
QStringList xAxisNames();  // "steps", "tokens", "wall", "params" (`udlab-cli plot --x`), in enum order
// Returns "" or a one-line error naming the accepted values.
QString parseXAxis(const QString& name, XAxis* out);
QString xAxisTitle(XAxis a);  // "step", "tokens seen", "wall time (s)", "parameters"

// Where each step lies on the axis for one run: the step itself, the tokens seen by then (metrics
// "tokens"), or the seconds trained (metrics "wall_time"), linear between logged records and from
// (0, 0). NaN where the run logged nothing to map by (such points are not drawn).
std::vector<double> stepsOnAxis(const RunData& d, XAxis a, const std::vector<double>& steps);
// For a seed group: the mean over its members (their wall times differ; their tokens do not).
std::vector<double> stepsOnAxis(const SeedGroup& g, XAxis a, const std::vector<double>& steps);

struct ComparePlot {
  QString title, xTitle, yTitle;
  std::vector<Curve> curves;
};
// The overlay: every group's metric (train solid, val dashed, seed bands) over the axis. For Params,
// one marker per group at (parameters, final validation metric), the final train metric for a run
// that logged no validation (its label says so).
ComparePlot compareOverlay(const std::vector<SeedGroup>& groups, LossMetric m, SeedBand b, XAxis x);

// One chart per group, on axes shared by all (heights compare honestly). Params falls back to steps:
// one point per chart would say nothing.
struct CompareMultiples {
  std::vector<ComparePlot> charts;
  bool shared = false;  // false while there is no data: each chart fits itself
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
};
CompareMultiples compareMultiples(const std::vector<SeedGroup>& groups, LossMetric m, SeedBand b, XAxis x);

}  // namespace udlab::ui
