// Internal to ui/charts: a QChartView that survives Qt 6.4.2's null-item crash on mouse press, and the
// style application shared by every chart. Nothing outside ui/charts includes this.
#pragma once
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QValueAxis>
#include <functional>
#include <vector>

#include "ui/charts/chart_theme.h"

namespace udlab::ui::detail {

class SafeChartView : public QChartView {
 public:
  using QChartView::QChartView;
  std::function<void()> onResized;  // after the chart took its new size

 protected:
  void resizeEvent(QResizeEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
};

// setTheme() overwrites pens and fonts, so callers re-apply their series pens afterwards.
void applyStyle(QChart* chart, const ChartStyle& s);
// Fonts, grid and label colours for an axis created after applyStyle().
void styleAxis(QAbstractAxis* axis, const ChartStyle& s);
QColor withAlpha(QColor c, int alpha);
// Round tick values (1, 2 or 5 × 10^k) about `intervals` apart over [lo, hi].
void roundTicks(QValueAxis* ax, double lo, double hi, int intervals = 5);
// How many tick intervals fit along `pixels` without Qt eliding the labels ("20…40…").
int tickIntervalsFor(double pixels, double pixelsPerLabel);

// The chart's plot area mapped into w's coordinates (v is a descendant of w).
QRect plotRectIn(const QWidget* w, const QChartView* v, const QChart* c);

}  // namespace udlab::ui::detail
