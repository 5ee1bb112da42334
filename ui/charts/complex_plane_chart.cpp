#include "ui/charts/complex_plane_chart.h"

#include <QIODevice>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>
#include <cmath>
#include <map>
#include <set>

#include "ui/charts/chart_view.h"

namespace udlab::ui {

using detail::withAlpha;

struct ComplexPlaneChart::Impl {
  QChart* chart = nullptr;
  detail::SafeChartView* view = nullptr;
  QValueAxis *ax = nullptr, *ay = nullptr;
  QLineSeries* unit = nullptr;
  std::vector<QLineSeries*> rings;
  std::map<QString, QScatterSeries*> scatters;
  std::vector<PointSet> sets;
  std::vector<Ring> ringSpec;
  ChartStyle style;
  double radius = 1.1;
  int shown = 0;
  bool fitting = false;
  bool legendShown = true;
  QLabel* legend = nullptr;

  QLineSeries* circle(double r) {
    auto* s = new QLineSeries;
    QList<QPointF> pts;
    for (int i = 0; i <= 256; ++i) {
      double a = 2 * M_PI * i / 256;
      pts.append(QPointF(r * std::cos(a), r * std::sin(a)));
    }
    s->replace(pts);
    chart->addSeries(s);
    s->attachAxis(ax);
    s->attachAxis(ay);
    return s;
  }
};

ComplexPlaneChart::ComplexPlaneChart(QWidget* parent) : QWidget(parent), d_(std::make_unique<Impl>()) {
  auto& d = *d_;
  d.chart = new QChart;
  d.chart->legend()->setAlignment(Qt::AlignBottom);
  d.view = new detail::SafeChartView(d.chart, this);
  d.view->setRenderHint(QPainter::Antialiasing);
  d.legend = new QLabel(this);
  d.legend->setWordWrap(true);
  d.legend->setAlignment(Qt::AlignHCenter);
  d.legend->setContentsMargins(8, 0, 8, 4);
  d.ax = new QValueAxis;
  d.ay = new QValueAxis;
  d.ax->setTitleText("Re λ");
  d.ay->setTitleText("Im λ");
  d.ax->setLabelFormat("%.2g");
  d.ay->setLabelFormat("%.2g");
  d.chart->addAxis(d.ax, Qt::AlignBottom);
  d.chart->addAxis(d.ay, Qt::AlignLeft);
  d.unit = d.circle(1.0);
  d.unit->setName("unit circle");
  detail::applyStyle(d.chart, d.style);
  setMinimumSize(200, 200);
  refresh();
}

ComplexPlaneChart::~ComplexPlaneChart() = default;

void ComplexPlaneChart::setTitle(const QString& t) { d_->chart->setTitle(t); }
QString ComplexPlaneChart::title() const { return d_->chart->title(); }
void ComplexPlaneChart::setChartStyle(const ChartStyle& s) {
  d_->style = s;
  detail::applyStyle(d_->chart, s);
  detail::styleChartWidget(this, s);
}
void ComplexPlaneChart::setPointSets(std::vector<PointSet> sets) { d_->sets = std::move(sets); }
void ComplexPlaneChart::setRings(std::vector<Ring> rings) { d_->ringSpec = std::move(rings); }
const std::vector<PointSet>& ComplexPlaneChart::pointSets() const { return d_->sets; }
int ComplexPlaneChart::displayedPoints() const { return d_->shown; }

void ComplexPlaneChart::refresh() {
  auto& d = *d_;
  const ChartStyle& st = d.style;
  QPen up(st.dark && !st.teaching ? QColor(200, 200, 200) : QColor(40, 40, 40));
  up.setWidthF(st.lineWidth() * 0.6);
  if (d.unit->pen() != up) d.unit->setPen(up);
  // Rings: rebuild when their number or radii change (rare: once per run).
  bool same = d.rings.size() == d.ringSpec.size();
  for (size_t i = 0; same && i < d.rings.size(); ++i) same = d.rings[i]->property("r").toDouble() == d.ringSpec[i].radius;
  if (!same) {
    for (auto* r : d.rings) {
      d.chart->removeSeries(r);
      delete r;
    }
    d.rings.clear();
    for (auto& spec : d.ringSpec) {
      if (!(spec.radius > 0) || !std::isfinite(spec.radius)) continue;
      auto* s = d.circle(spec.radius);
      s->setProperty("r", spec.radius);
      s->setName(spec.label);
      d.rings.push_back(s);
    }
  }
  for (auto* r : d.rings) {
    QPen p(QColor(120, 120, 120));
    p.setStyle(Qt::DashLine);
    p.setWidthF(st.lineWidth() * 0.5);
    if (r->pen() != p) r->setPen(p);
  }
  std::set<QString> ids;
  for (auto& s : d.sets) ids.insert(s.id);
  for (auto it = d.scatters.begin(); it != d.scatters.end();) {
    if (!ids.count(it->first)) {
      d.chart->removeSeries(it->second);
      delete it->second;
      it = d.scatters.erase(it);
    } else {
      ++it;
    }
  }
  double rmax = 1.0;
  for (auto& r : d.ringSpec)
    if (std::isfinite(r.radius)) rmax = std::max(rmax, r.radius);
  int shown = 0;
  // Faded sets first so the current step draws on top.
  for (int pass = 0; pass < 2; ++pass)
    for (auto& set : d.sets) {
      if (set.faded != (pass == 0)) continue;
      auto*& sc = d.scatters[set.id];
      if (!sc) {
        sc = new QScatterSeries;
        d.chart->addSeries(sc);
        sc->attachAxis(d.ax);
        sc->attachAxis(d.ay);
      }
      QList<QPointF> pts;
      pts.reserve(qsizetype(set.z.size()));
      for (auto z : set.z) {
        if (!std::isfinite(z.real()) || !std::isfinite(z.imag())) continue;
        pts.append(QPointF(z.real(), z.imag()));
        rmax = std::max(rmax, std::abs(z));
      }
      sc->replace(pts);
      shown += int(pts.size());
      // Only touch what changed: each setter re-lays out the legend or rebuilds every marker item.
      if (sc->name() != set.label) sc->setName(set.label);
      const auto shape = set.shape == 1 ? QScatterSeries::MarkerShapeRectangle
                         : set.shape == 2 ? QScatterSeries::MarkerShapeRotatedRectangle
                                          : QScatterSeries::MarkerShapeCircle;
      if (sc->markerShape() != shape) sc->setMarkerShape(shape);
      const double size = (st.teaching ? 11 : 8) * (set.faded ? 0.7 : 1.0);
      if (sc->markerSize() != size) sc->setMarkerSize(size);
      const QColor fill = set.faded ? withAlpha(set.color, 70) : withAlpha(set.color, 210);
      if (sc->color() != fill) sc->setColor(fill);
      const QColor border = set.faded ? QColor(Qt::transparent) : set.color.darker(130);
      if (sc->borderColor() != border) sc->setBorderColor(border);
      if (set.faded)
        for (auto* m : d.chart->legend()->markers(sc))
          if (m->isVisible()) m->setVisible(false);
    }
  for (auto* m : d.chart->legend()->markers(d.unit))
    if (m->isVisible()) m->setVisible(false);
  d.radius = std::min(1e6, rmax * 1.08);
  d.shown = shown;
  std::vector<detail::LegendEntry> entries;
  for (auto& set : d.sets)
    if (!set.faded) entries.push_back({set.label, set.color, set.shape == 1 ? "■" : set.shape == 2 ? "◆" : "●"});
  bool anyFaded = false;
  for (auto& set : d.sets) anyFaded = anyFaded || set.faded;
  if (anyFaded) entries.push_back({"previous logged step", QColor(150, 150, 150), "○"});
  for (auto& r : d.ringSpec) entries.push_back({r.label, QColor(120, 120, 120), "╌╌"});
  const QString html = detail::legendHtml(entries);
  if (d.legend->text() != html) d.legend->setText(html);
  d.legend->setVisible(d.legendShown && !entries.empty());
  fitSquare();
  fitSquare();
  emit redrawn(shown);
}

void ComplexPlaneChart::fitSquare() {
  auto& d = *d_;
  // Equal ranges in a square view: the axis labels take about the same room on the left as below,
  // so the plot area is square to a few pixels and the unit circle looks like a circle. (A fixed
  // plot area would be exact, but Qt 6.4 then stops drawing the chart background and title.)
  const int legendH = d.legend->isVisible() ? d.legend->heightForWidth(width()) : 0;
  const int avail = height() - std::max(0, legendH);
  const int side = std::max(50, std::min(width(), avail));
  d.view->setGeometry((width() - side) / 2, 0, side, side);
  if (legendH > 0) d.legend->setGeometry(0, side, width(), legendH);
  // The view is only about square (label widths differ): widen the range along the longer side of
  // the plot area so one unit is the same length on both axes and the unit circle stays round.
  const QRectF pa = d.chart->plotArea();
  double rx = d.radius, ry = d.radius;
  if (pa.width() > 10 && pa.height() > 10) {
    rx *= std::max(1.0, pa.width() / pa.height());
    ry *= std::max(1.0, pa.height() / pa.width());
  }
  detail::roundTicks(d.ax, -rx, rx);
  detail::roundTicks(d.ay, -ry, ry);
}

double ComplexPlaneChart::aspectError() const {
  const QRectF pa = d_->chart->plotArea();
  const double ux = pa.width() / (d_->ax->max() - d_->ax->min()), uy = pa.height() / (d_->ay->max() - d_->ay->min());
  return std::abs(ux / uy - 1.0);
}

void ComplexPlaneChart::resizeEvent(QResizeEvent* e) {
  QWidget::resizeEvent(e);
  fitSquare();
}

void ComplexPlaneChart::setLegendShown(bool on) {
  d_->legendShown = on;
  if (!on) d_->legend->hide();
  fitSquare();
}

QRect ComplexPlaneChart::plotRect() const { return detail::plotRectIn(this, d_->view, d_->chart); }

bool ComplexPlaneChart::writeCsv(QIODevice* out, QString* error) const {
  QByteArray buf = "set,re,im,abs\n";
  for (auto& s : d_->sets) {
    QByteArray name = s.label.toUtf8();
    if (name.contains(',')) name = '"' + name + '"';
    for (auto z : s.z)
      buf += name + ',' + QByteArray::number(z.real(), 'g', 10) + ',' + QByteArray::number(z.imag(), 'g', 10) + ',' +
             QByteArray::number(std::abs(z), 'g', 10) + '\n';
  }
  if (out->write(buf) != buf.size()) {
    if (error) *error = out->errorString();
    return false;
  }
  return true;
}

}  // namespace udlab::ui
