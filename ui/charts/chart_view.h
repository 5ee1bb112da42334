// Internal to ui/charts: a QChartView that survives Qt 6.4.2's null-item crash on mouse press, and the
// style application shared by every chart. Nothing outside ui/charts includes this.
#pragma once
#include <QtCharts/QChart>
#include <QtCharts/QChartView>

#include "ui/charts/chart_theme.h"

namespace udlab::ui::detail {

class SafeChartView : public QChartView {
 public:
  using QChartView::QChartView;

 protected:
  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
};

// setTheme() overwrites pens and fonts, so callers re-apply their series pens afterwards.
void applyStyle(QChart* chart, const ChartStyle& s);
// Fonts, grid and label colours for an axis created after applyStyle().
void styleAxis(QAbstractAxis* axis, const ChartStyle& s);
QColor withAlpha(QColor c, int alpha);

}  // namespace udlab::ui::detail
