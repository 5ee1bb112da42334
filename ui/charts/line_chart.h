// A line chart over full-resolution curves: the one Qt Charts line plot of udlab (loss, gradient
// norms, norm profiles). It keeps the caller's data, and on refresh() smooths the full data, decimates
// to min/max per pixel column, filters NaN/Inf (and y <= 0 in log mode) and replace()s each series.
// No Qt Charts type appears in this header, so a port to another plotting library stays in ui/charts.
#pragma once
#include <QColor>
#include <QString>
#include <QWidget>
#include <memory>
#include <vector>

#include "ui/charts/chart_theme.h"

class QIODevice;

namespace udlab::ui {

struct Curve {
  QString id;      // stable key across refreshes (reuses the series)
  QString label;   // legend and CSV column
  QColor color;
  Qt::PenStyle style = Qt::SolidLine;
  double widthScale = 1.0;
  bool smoothable = true;   // the smoothing slider applies
  // While smoothing, the raw curve is drawn faintly under the smoothed one; secondary curves (e.g. the
  // per-tensor gradient norms) show only their smoothed line, at a fraction of the drawing cost.
  bool rawUnderlay = true;
  bool inLegend = true;
  bool markers = false;     // a marker per value and no line (a summary scatter, one curve per run)
  std::vector<double> x, y;
  std::vector<double> lower, upper;  // optional band around y over the same x (e.g. min–max over a batch)
  QString bandName = QStringLiteral("min–max");  // what the band is, for the legend and the CSV header
};

// A vertical dashed line at x across the whole y range, for moments rather than values (a hot edit,
// a divergence). Its label goes into the legend line under the plot.
struct Mark {
  double x = 0;
  QString label;
  QColor color;
};

class LineChart : public QWidget {
  Q_OBJECT
 public:
  explicit LineChart(QWidget* parent = nullptr);
  ~LineChart() override;

  void setTitle(const QString& title);
  QString title() const;
  void setAxisTitles(const QString& x, const QString& y);
  void setLogY(bool on);
  bool logY() const;
  void setSmoothing(double weight);  // debiased EMA weight in [0, 0.999]
  void setChartStyle(const ChartStyle& s);
  void setCurves(std::vector<Curve> curves);  // drawn at the next refresh()
  void setMarks(std::vector<Mark> marks);     // drawn at the next refresh(), those inside the x range
  int markCount() const;                      // marks drawn by the last refresh()
  int gapCount() const;                       // gaps (non-finite values) marked by the last refresh()
  // Fixed axis ranges (small multiples share axes); clearFixedRanges() returns to fitting the data.
  void setFixedRanges(double x0, double x1, double y0, double y1);
  void clearFixedRanges();
  const std::vector<Curve>& curves() const;
  // Redraws from the stored curves. Emits redrawn(points actually handed to series).
  void refresh();
  // Figures show one legend for the whole figure, so charts can hide their own.
  void setLegendShown(bool on);
  // The plot area (inside the axes) in this widget's coordinates, as last laid out.
  QRect plotRect() const;
  int displayedPoints() const;
  // Live charts: at most about this many vertices per refresh, however many curves (0 = no limit, for
  // figures). Qt Charts spends a few microseconds per vertex on each redraw, on the GUI thread; with
  // many curves each is decimated to fewer pixel columns (never fewer than 60).
  void setVertexBudget(int vertices);
  static constexpr int kLiveVertexBudget = 6000;
  // Live charts: an axis range (x, and y when linear) that the data outgrows is set this fraction of
  // the data's span beyond it, and kept while the data fits and fills most of it. A range change makes
  // Qt Charts recompute every series and relay out the axis labels; growing curves then change it
  // every few records instead of at each. 0 (figures, finished runs): the axes fit the data.
  void setAxisHeadroom(double fraction);
  static constexpr double kLiveHeadroom = 0.2;
  // The data behind the chart at full resolution and unsmoothed: one x column, one column per curve
  // (and its band), empty cells where a curve has no value at that x.
  bool writeCsv(QIODevice* out, QString* error) const;

 signals:
  void redrawn(int points);

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

}  // namespace udlab::ui
