// Side by side: all selected runs overlaid, small multiples (one chart per run, shared axes so heights
// compare honestly), and a summary table that exports as CSV or Markdown.
#pragma once
#include <QWidget>
#include <vector>

#include "ui/charts/chart_theme.h"
#include "ui/dashboard/curve_builders.h"

class QGridLayout;
class QTableWidget;
class QComboBox;

namespace udlab::ui {

class LineChart;

struct RunSummary {
  QString name;
  double params = NAN, valPpl = NAN, valBpc = NAN, tokensPerSecond = NAN, maxNormDrift = NAN, maxGradNorm = NAN,
         wallTime = NAN;
};
RunSummary summarize(const RunRef& r);
QString summaryCsv(const std::vector<RunSummary>& rows);
QString summaryMarkdown(const std::vector<RunSummary>& rows);

class CompareView : public QWidget {
  Q_OBJECT
 public:
  explicit CompareView(QWidget* parent = nullptr);
  void setRuns(std::vector<RunRef> runs);
  void refresh();
  void setChartStyle(const ChartStyle& s);
  const std::vector<RunSummary>& summaries() const { return rows_; }
  LineChart* overlay() const { return overlay_; }
  QWidget* multiplesArea() const { return multiples_; }
  // Writes the table; format by extension (.csv or .md). Returns "" or an error.
  QString exportTable(const QString& path) const;

 private:
  std::vector<RunRef> runs_;
  std::vector<RunSummary> rows_;
  ChartStyle style_;
  LineChart* overlay_;
  QWidget* multiples_;
  QGridLayout* grid_;
  std::vector<LineChart*> smalls_;
  QTableWidget* table_;
  QComboBox* metric_;
};

}  // namespace udlab::ui
