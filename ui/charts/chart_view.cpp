#include "ui/charts/chart_view.h"

#include "ui/charts/chart_math.h"

#include <QGraphicsLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>
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

// Ticks at round values (1, 2 or 5 × 10^k apart, about five of them) without changing the range, so
// the data fills the plot yet labels read 0, 50, 100 rather than 9.75, 19.5.
int tickIntervalsFor(double pixels, double pixelsPerLabel) {
  // At least two intervals: Qt Charts 6.4 drops the labels and misplaces the axis line with one.
  return std::clamp(int(pixels / pixelsPerLabel), 2, 5);
}

void roundTicks(QValueAxis* ax, double lo, double hi, int intervals) {
  const double span = hi - lo;
  if (!(span > 0) || !std::isfinite(span)) return;
  const double raw = span / std::max(1, intervals), mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
  // Qt 6.4 lays labels out for the old interval unless it changes before the range: callers set the
  // range after this, and an unchanged interval is left alone.
  // Qt lays labels out after each setter: the new interval over the old range can mean millions of
  // labels (a norm flat to 1e-7 after a 0..1 axis hung the GUI). Then go through fixed ticks, whose
  // label count is bounded, and switch back once range and interval agree.
  const bool detour = (ax->max() - ax->min()) / step > 50;
  if (detour) ax->setTickType(QValueAxis::TicksFixed);
  else if (ax->tickType() != QValueAxis::TicksDynamic) ax->setTickType(QValueAxis::TicksDynamic);
  if (ax->tickAnchor() != 0) ax->setTickAnchor(0);
  if (detour) ax->setRange(lo, hi);
  if (ax->tickInterval() != step) ax->setTickInterval(step);
  const QString fmt = QString::fromStdString(tickFormat(step, lo, hi));
  if (ax->labelFormat() != fmt) ax->setLabelFormat(fmt);
  ax->setRange(lo, hi);
  if (detour) ax->setTickType(QValueAxis::TicksDynamic);
}

void SafeChartView::resizeEvent(QResizeEvent* e) {
  QChartView::resizeEvent(e);
  if (onResized) onResized();
}

QColor withAlpha(QColor c, int alpha) {
  c.setAlpha(alpha);
  return c;
}

QString legendHtml(const std::vector<LegendEntry>& entries) {
  QStringList parts;
  // A word joiner after each hyphen: a wrapping legend breaks at spaces, never "rnn-" / "tanh".
  for (auto& e : entries)
    parts << QString("<span style=\"color:%1\"><b>%2</b></span>&nbsp;%3")
                 .arg(e.color.name(), e.glyph, e.label.toHtmlEscaped().replace("-", "-&#8288;"));
  return parts.join(QStringLiteral(" &nbsp;&nbsp; "));
}

QRect plotRectIn(const QWidget* w, const QChartView* v, const QChart* c) {
  const QPolygonF scene = c->mapToScene(c->plotArea());
  const QRect inView = v->mapFromScene(scene).boundingRect();
  return QRect(v->mapTo(w, inView.topLeft()), inView.size());
}

void styleChartWidget(QWidget* w, const ChartStyle& s) {
  QPalette p = w->palette();
  if (s.teaching) {
    p.setColor(QPalette::Window, Qt::white);
    p.setColor(QPalette::WindowText, Qt::black);
  } else {
    p = QPalette();
  }
  w->setPalette(p);
  w->setAutoFillBackground(s.teaching);
  QFont f = w->font();
  f.setPointSize(s.labelPt());
  for (auto* l : w->findChildren<QLabel*>()) {
    l->setFont(f);
    l->setPalette(p);
  }
}

void applyStyle(QChart* chart, const ChartStyle& s) {
  chart->setTheme(s.dark && !s.teaching ? QChart::ChartThemeDark : QChart::ChartThemeLight);
  chart->setAnimationOptions(QChart::NoAnimation);
  if (s.teaching) {
    chart->setBackgroundBrush(Qt::white);
    chart->setBackgroundRoundness(0);
  }
  if (s.figure) {
    chart->setMargins(QMargins(0, 0, 4, 0));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->setBackgroundRoundness(0);
  }
  QFont tf = chart->titleFont();
  // In a figure the title is only a little larger than the labels: the plot keeps the room.
  tf.setPointSize(s.figure ? s.labelPt() + 2 : s.titlePt());
  tf.setBold(true);
  chart->setTitleFont(tf);
  QFont lf = chart->legend()->font();
  lf.setPointSize(s.labelPt());
  chart->legend()->setFont(lf);
  chart->legend()->hide();
  for (auto* a : chart->axes()) styleAxis(a, s);
}

void styleAxis(QAbstractAxis* a, const ChartStyle& s) {
  QFont f = a->labelsFont();
  f.setPointSize(s.labelPt());
  a->setLabelsFont(f);
  QFont t = a->titleFont();
  t.setPointSize(s.figure ? std::max(5, s.labelPt() - 1) : s.labelPt() + (s.teaching ? 1 : 0));
  t.setBold(s.teaching && !s.figure);
  a->setTitleFont(t);
  if (s.teaching) {
    a->setLabelsColor(Qt::black);
    a->setTitleBrush(Qt::black);
    a->setGridLineColor(QColor(0xDD, 0xDD, 0xDD));
    a->setLinePenColor(Qt::black);
  }
}

}  // namespace udlab::ui::detail
