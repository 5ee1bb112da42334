#include "ui/charts/chart_view.h"

#include <QMouseEvent>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QLegend>

namespace udlab::ui::detail {

void SafeChartView::mousePressEvent(QMouseEvent* e) {
  // Qt 6.4.2 dereferences the item under the cursor without a null check.
  if (!itemAt(e->position().toPoint())) {
    e->accept();
    return;
  }
  QChartView::mousePressEvent(e);
}

void SafeChartView::mouseReleaseEvent(QMouseEvent* e) {
  if (!itemAt(e->position().toPoint())) {
    e->accept();
    return;
  }
  QChartView::mouseReleaseEvent(e);
}

QColor withAlpha(QColor c, int alpha) {
  c.setAlpha(alpha);
  return c;
}

void applyStyle(QChart* chart, const ChartStyle& s) {
  chart->setTheme(s.dark && !s.teaching ? QChart::ChartThemeDark : QChart::ChartThemeLight);
  chart->setAnimationOptions(QChart::NoAnimation);
  if (s.teaching) {
    chart->setBackgroundBrush(Qt::white);
    chart->setBackgroundRoundness(0);
  }
  QFont tf = chart->titleFont();
  tf.setPointSize(s.titlePt());
  tf.setBold(true);
  chart->setTitleFont(tf);
  QFont lf = chart->legend()->font();
  lf.setPointSize(s.labelPt());
  chart->legend()->setFont(lf);
  for (auto* a : chart->axes()) styleAxis(a, s);
}

void styleAxis(QAbstractAxis* a, const ChartStyle& s) {
  QFont f = a->labelsFont();
  f.setPointSize(s.labelPt());
  a->setLabelsFont(f);
  QFont t = a->titleFont();
  t.setPointSize(s.labelPt() + (s.teaching ? 1 : 0));
  t.setBold(s.teaching);
  a->setTitleFont(t);
  if (s.teaching) {
    a->setLabelsColor(Qt::black);
    a->setTitleBrush(Qt::black);
    a->setGridLineColor(QColor(0xDD, 0xDD, 0xDD));
    a->setLinePenColor(Qt::black);
  }
}

}  // namespace udlab::ui::detail
