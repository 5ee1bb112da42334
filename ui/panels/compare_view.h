// Side by side: all selected runs overlaid, small multiples (one chart per run, shared axes so heights
// compare honestly), and a summary table that exports as CSV or Markdown. With "Group seeds" on,
// runs that differ only by seed become one mean + band curve, one chart and one "mean ± std" row.
#pragma once
#include <QWidget>
#include <array>
#include <functional>
#include <vector>

#include "ui/charts/chart_theme.h"
#include "ui/dashboard/compare_curves.h"
#include "ui/dashboard/curve_builders.h"
#include "ui/dashboard/redraw_steps.h"
#include "ui/dashboard/seed_groups.h"

class QCheckBox;
class QGridLayout;
class QLabel;
class QTableWidget;
class QComboBox;

namespace udlab::ui {

class LineChart;
struct FigureRequest;

struct RunSummary {
  QString name;
  int n = 1;  // runs behind the row; for a seed group (n > 1) the fields below are means
  double params = NAN, valPpl = NAN, valBpc = NAN, valAccuracy = NAN, tokensPerSecond = NAN, maxNormDrift = NAN,
         maxGradNorm = NAN, wallTime = NAN;
  // The sample standard deviation of each numeric field over the group, in declaration order.
  std::array<double, 8> sd{NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
};
// Whole numbers (params, tokens/s) in every table of the window: "779,010", never 7.79e+05.
QString formatWhole(double v);
RunSummary summarize(const RunRef& r);
// A singleton group summarizes its run; a larger one gives each field's mean and sample std over
// the members that have it.
RunSummary summarize(const SeedGroup& g);
// withN adds the "N" column (runs per row) that the grouped table shows.
QString summaryCsv(const std::vector<RunSummary>& rows, bool withN = false);
QString summaryMarkdown(const std::vector<RunSummary>& rows, bool withN = false);

class CompareView : public QWidget {
  Q_OBJECT
 public:
  explicit CompareView(QWidget* parent = nullptr);
  void setRuns(std::vector<RunRef> runs);
  // Takes the runs (regrouping them) and returns the redraw as steps, as Dashboard::stageRuns does.
  RedrawSteps stageRuns(std::vector<RunRef> runs);
  // Redraws everything: runs refreshSteps() in order.
  void refresh();
  // The redraw split into independent steps (overlay, small multiples, table) for a caller that
  // spreads them over event-loop turns; each reads the view's current runs when it runs.
  RedrawSteps refreshSteps();
  void setChartStyle(const ChartStyle& s);
  void setGroupSeeds(bool on);
  bool groupSeeds() const;
  void setSeedBand(SeedBand b);
  // The overlay's and the multiples' x axis: steps, tokens seen, wall time, or (overlay only) a
  // summary scatter of the final metric against parameters.
  void setXAxis(XAxis x);
  XAxis xAxis() const;
  void setMetric(LossMetric m);
  LossMetric metric() const;
  // What the figure renderer needs to draw the overlay ("compare") or the multiples as shown here.
  void fillFigureRequest(FigureRequest* req) const;
  const std::vector<RunSummary>& summaries() const { return rows_; }
  const std::vector<SeedGroup>& groups() const { return groups_; }
  LineChart* overlay() const { return overlay_; }
  QString notes() const;  // the identical-model notes shown above the charts ("" = none)
  QWidget* multiplesArea() const { return multiples_; }
  const std::vector<LineChart*>& multiples() const { return smalls_; }
  QTableWidget* table() const { return table_; }
  // Writes the table; format by extension (.csv or .md). Returns "" or an error.
  QString exportTable(const QString& path) const;
  // Where "Export table…" opens (the runs folder); afterwards, the last folder written to.
  void setExportFolder(const QString& dir) { exportFolder_ = dir; }

 signals:
  void message(const QString& text, bool error);  // the table export's outcome, for the window's banner

 private:
  // Regroups runs_ (or not) and rebuilds the small multiples when their number changes.
  void regroup();
  void refreshOverlay();
  void refreshMultiples();
  void refreshTable();
  SeedBand band() const;

  std::vector<RunRef> runs_;
  QLabel* notes_ = nullptr;  // "these two train the same model"
  std::vector<SeedGroup> groups_;  // one per run while grouping is off
  std::vector<RunSummary> rows_;
  ChartStyle style_;
  LineChart* overlay_;
  QWidget* multiples_;
  QGridLayout* grid_;
  std::vector<LineChart*> smalls_;
  QTableWidget* table_;
  QComboBox* metric_;
  QComboBox* xAxis_;
  QCheckBox* groupSeeds_;
  QComboBox* band_;
  QString exportFolder_;
};

}  // namespace udlab::ui
