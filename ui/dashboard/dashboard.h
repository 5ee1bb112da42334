// The live dashboard: loss, gradient norms, ‖h_t‖ and ‖∂L/∂h_t‖ over t, and eigenvalues on the complex
// plane, for any set of runs. It draws what refresh() is given; the caller decides when (a capped
// timer), so frame rate never follows the training step rate.
#pragma once
#include <QIODevice>
#include <QWidget>
#include <functional>
#include <vector>

#include "ui/charts/chart_theme.h"
#include "ui/dashboard/curve_builders.h"
#include "ui/dashboard/redraw_steps.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QTimer;

namespace udlab::ui {

struct FigureRequest;
class LineChart;
class ComplexPlaneChart;

struct ExportableChart {
  QString name;  // file-name friendly: loss, grad, state_norm, state_grad, eigen
  QWidget* widget = nullptr;
  std::function<bool(QIODevice*, QString*)> csv;
};

class Dashboard : public QWidget {
  Q_OBJECT
 public:
  explicit Dashboard(QWidget* parent = nullptr);
  void setRuns(std::vector<RunRef> runs);  // pointers must stay valid until the next setRuns
  void refresh();                          // rebuilds every chart from the runs' current data
  // Takes the runs without drawing and returns the redraw as one step per chart, each reading the
  // runs current when it runs (so a later setRuns() is honoured by steps still queued).
  RedrawSteps stageRuns(std::vector<RunRef> runs);
  // forced: every chart; otherwise only those whose input changed since they last drew (most records
  // bring scalars but no telemetry, and an unchanged chart's redraw still costs its geometry and repaint).
  RedrawSteps refreshSteps(bool forced = true);
  void setChartStyle(const ChartStyle& s);
  ChartStyle chartStyle() const { return style_; }
  void setLossMetric(LossMetric m);
  void setLossLogY(bool on);
  void setSmoothing(double w);
  void setEigenStep(int stepIndex);  // index into eigenSteps(); -1 = follow the latest
  bool followsLive() const { return eigenIndex_ < 0; }

  LineChart* lossChart() const { return loss_; }
  LineChart* gradChart() const { return grad_; }
  LineChart* stateNormChart() const { return hnorm_; }
  LineChart* stateGradChart() const { return hgrad_; }
  LineChart* membershipChart() const { return member_; }
  ComplexPlaneChart* eigenChart() const { return eigen_; }
  QWidget* chartsArea() const { return area_; }
  std::vector<ExportableChart> exportables() const;
  // What the dashboard shows (metric, smoothing, per-tensor lines, scrubbed step), for a figure of it.
  void fillFigureRequest(FigureRequest* req) const;

 signals:
  void refreshed();

 private:
  void refreshLoss();
  void refreshGrad();
  void refreshEigen();  // the eigenvalue plot and the profiles of the same step
  void refreshEigenPlot();
  void refreshProfiles();
  void updateScrubber();
  void followLiveOnNewRuns(const std::vector<RunRef>& runs);
  int shownEigenStep() const;  // -1 = the latest
  // What the charts of the scalars (telemetry = false) or of the telemetry snapshots draw from: the shown
  // runs, how much data each holds, whether any is live (the axes' headroom), and the charts' widths.
  uint64_t inputKey(bool telemetry) const;

  std::vector<RunRef> runs_;
  ChartStyle style_;
  LossMetric metric_ = LossMetric::Loss;
  int eigenIndex_ = -1;  // -1 = live
  std::vector<int> steps_;
  uint64_t scalarKey_ = 0, telemetryKey_ = 0;  // inputKey() as last drawn
  QWidget* area_ = nullptr;
  LineChart *loss_, *grad_, *hnorm_, *hgrad_, *member_;
  ComplexPlaneChart* eigen_;
  QComboBox* metricBox_;
  QCheckBox *logBox_, *perTensorBox_;
  QSlider *smoothSlider_, *scrub_;
  QLabel *smoothLabel_, *stepLabel_;
  QPushButton* playBtn_;
  QTimer* playTimer_;
};

}  // namespace udlab::ui
