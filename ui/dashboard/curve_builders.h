// From runs' metric histories to what the charts draw: which keys, which labels, which colours and
// line styles. Generic over models: every tensor, profile and spectrum present is shown, no model names.
#pragma once
#include <QColor>
#include <QString>
#include <QStringList>
#include <vector>

#include "ui/charts/complex_plane_chart.h"
#include "ui/charts/line_chart.h"
#include "core/io/run_data.h"

namespace udlab::ui {

struct RunRef {
  int id = 0;
  QString name;
  QColor color;
  const RunData* data = nullptr;
};

enum class LossMetric { Loss, Perplexity, Bpc, Accuracy };
QString lossMetricTitle(LossMetric m);

std::vector<Curve> lossCurves(const std::vector<RunRef>& runs, LossMetric m);
// One run's train (val = false) or validation history of the metric; false when it logged none.
bool lossSeries(const RunData& d, LossMetric m, bool val, std::vector<double>& x, std::vector<double>& y);
// The global gradient norm per run, plus (perTensor) one line per tensor group: tensors whose names
// differ only in numbers (layers) are combined as the root of their summed squares.
std::vector<Curve> gradCurves(const std::vector<RunRef>& runs, bool perTensor);
QString tensorGroup(const QString& tensorName);
// One mark per hot edit and divergence of each run, in the run's colour, labelled with what happened.
std::vector<Mark> eventMarks(const std::vector<RunRef>& runs);

// The latest snapshot with profiles at or before `step` (-1 = the latest), per run.
const Snapshot* profileSnapshot(const RunData& d, int step);
const Snapshot* eigenSnapshot(const RunData& d, int step, const Snapshot** previous);
// ‖h_t‖ over t with the min–max band over the batch.
std::vector<Curve> stateNormCurves(const std::vector<RunRef>& runs, int step);
// ‖∂L/∂h_t‖ over t.
std::vector<Curve> stateGradCurves(const std::vector<RunRef>& runs, int step);
// The group models' membership error over t: its own chart, never on the ‖∂L/∂h_t‖ axis (other units).
std::vector<Curve> membershipCurves(const std::vector<RunRef>& runs, int step);
// Lines that would hide one another (two runs with the same ‖h_t‖ = 4, O(d) and its identical SO(d)
// twin): every solid curve equal to an earlier one to 1e-6 is drawn dashed, then dotted, so both show.
void distinguishCoincident(std::vector<Curve>& curves);
// Runs whose effective models are the same although their configs differ (O(d) without --reflect
// stays in SO(d)): one line per such pair, "O(8) and SO(8) train the same model: …".
QStringList identicalModelNotes(const std::vector<RunRef>& runs);
// The run's human label (run_info.json "label", from `train --label` or the window), else fallback.
QString runLabel(const RunData& d, const QString& fallback);

struct EigenView {
  std::vector<PointSet> sets;
  std::vector<Ring> rings;
  int step = -1;  // the newest step shown
};
EigenView eigenView(const std::vector<RunRef>& runs, int step);
// The sorted union of steps at which any run logged eigenvalues.
std::vector<int> eigenSteps(const std::vector<RunRef>& runs);

}  // namespace udlab::ui
