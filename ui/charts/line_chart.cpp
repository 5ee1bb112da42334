#include "ui/charts/line_chart.h"

#include <QFontMetricsF>
#include <QIODevice>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ui/charts/chart_math.h"
#include "ui/charts/chart_view.h"

namespace udlab::ui {

using detail::withAlpha;

namespace {
struct SeriesSet {
  QLineSeries* raw = nullptr;     // faint when smoothing, the curve itself otherwise
  QLineSeries* smooth = nullptr;  // only while smoothing
  QAreaSeries* band = nullptr;
  QLineSeries* lo = nullptr;
  QLineSeries* hi = nullptr;
  // A line cut by non-finite values: the stretches after the first, and a marker at each gap.
  std::vector<QLineSeries*> rawMore, smoothMore;
  QScatterSeries* gapMarks = nullptr;
};

// Setting a pen or a name makes Qt Charts re-layout the legend and repaint, even when nothing changed;
// on a 30 Hz timer that dominated the redraw cost, so only touch what differs.
void setPenIfChanged(QAbstractSeries* s, const QPen& p) {
  if (auto* l = qobject_cast<QLineSeries*>(s)) {
    if (l->pen() != p) l->setPen(p);
  } else if (auto* a = qobject_cast<QAreaSeries*>(s)) {
    if (a->pen() != p) a->setPen(p);
  }
}
void setNameIfChanged(QAbstractSeries* s, const QString& n) {
  if (s->name() != n) s->setName(n);
}

// A title wider than the chart is broken at spaces into lines (Qt Charts would elide it to "…"): a
// small multiple titled with a long run label stays whole.
QString wrapTitle(const QString& t, const QFont& f, double width) {
  const QFontMetricsF fm(f);
  if (width <= 0 || fm.horizontalAdvance(t) <= width) return t;
  QStringList lines;
  QString cur;
  for (const QString& w : t.split(' ')) {
    const QString next = cur.isEmpty() ? w : cur + ' ' + w;
    if (!cur.isEmpty() && fm.horizontalAdvance(next) > width) {
      lines << cur.toHtmlEscaped();
      cur = w;
    } else {
      cur = next;
    }
  }
  lines << cur.toHtmlEscaped();
  return lines.join("<br>");
}

QList<QPointF> toPoints(const XY& xy) {
  QList<QPointF> pts;
  pts.reserve(qsizetype(xy.size()));
  for (size_t i = 0; i < xy.size(); ++i) pts.append(QPointF(xy.x[i], xy.y[i]));
  return pts;
}
}  // namespace

struct LineChart::Impl {
  QChart* chart = nullptr;
  detail::SafeChartView* view = nullptr;
  QValueAxis* ax = nullptr;
  QAbstractAxis* ay = nullptr;
  bool log = false;
  double smoothing = 0;
  ChartStyle style;
  QString title, xTitle = "step", yTitle;
  std::vector<Curve> curves;
  std::map<QString, SeriesSet> sets;
  int shown = 0;
  QLabel* legend = nullptr;
  std::vector<Mark> marks;
  std::vector<QLineSeries*> markLines;  // reused across refreshes; only the drawn marks have one
  bool fixed = false;
  bool legendShown = true;
  int vertexBudget = 0;
  int gapsShown = 0;
  double headroom = 0;
  static constexpr int kMinColumns = 60;
  double fx0 = 0, fx1 = 1, fy0 = 0, fy1 = 1;

  void makeYAxis() {
    if (ay) {
      for (auto* s : chart->series()) s->detachAxis(ay);
      chart->removeAxis(ay);
      delete ay;
    }
    if (log) {
      auto* a = new QLogValueAxis;
      a->setBase(10);
      a->setLabelFormat("%.0e");  // fixed-width labels: Qt elides mixed-width log labels to "…"
      a->setMinorTickCount(-1);
      a->setRange(1, 10);  // the default range starts at 0, which a log axis warns about
      ay = a;
    } else {
      auto* a = new QValueAxis;
      a->setLabelFormat("%.3g");
      ay = a;
    }
    ay->setTitleText(yTitle);
    chart->addAxis(ay, Qt::AlignLeft);
    detail::styleAxis(ay, style);
    for (auto* s : chart->series()) s->attachAxis(ay);
  }

  QLineSeries* newLine() {
    auto* s = new QLineSeries;
    chart->addSeries(s);
    s->attachAxis(ax);
    s->attachAxis(ay);
    return s;
  }
  void hideFromLegend(QAbstractSeries* s) {
    for (auto* m : chart->legend()->markers(s))
      if (m->isVisible()) m->setVisible(false);
  }
  // One 2-point series per mark inside [xmin, xmax], spanning [ylo, yhi] (none when !any); returns the
  // marks drawn.
  std::vector<const Mark*> drawMarks(bool any, double xmin, double xmax, double ylo, double yhi) {
    std::vector<const Mark*> drawn;
    for (auto& m : marks)
      if (any && std::isfinite(m.x) && m.x >= xmin && m.x <= xmax) drawn.push_back(&m);
    while (markLines.size() > drawn.size()) {
      chart->removeSeries(markLines.back());
      delete markLines.back();
      markLines.pop_back();
    }
    while (markLines.size() < drawn.size()) markLines.push_back(newLine());
    for (size_t i = 0; i < drawn.size(); ++i) {
      QLineSeries* s = markLines[i];
      s->replace(QList<QPointF>{{drawn[i]->x, ylo}, {drawn[i]->x, yhi}});
      QPen pen(drawn[i]->color);
      pen.setWidthF(1.0);
      pen.setStyle(Qt::DashLine);
      setPenIfChanged(s, pen);
      setNameIfChanged(s, drawn[i]->label);
      hideFromLegend(s);
    }
    return drawn;
  }
  void remove(QAbstractSeries* s) {
    if (!s) return;
    chart->removeSeries(s);
    delete s;
  }
  void drop(SeriesSet& ss) {
    for (QAbstractSeries* s : {static_cast<QAbstractSeries*>(ss.raw), static_cast<QAbstractSeries*>(ss.smooth),
                               static_cast<QAbstractSeries*>(ss.band), static_cast<QAbstractSeries*>(ss.gapMarks)})
      remove(s);
    for (auto* more : {&ss.rawMore, &ss.smoothMore})
      for (QLineSeries* s : *more) remove(s);
    ss = {};  // the band's boundary series are its QObject children and went with it
  }
  // The series of a line's stretches after the first (pieces beyond one), styled like it, out of the
  // legend; made and removed as the number of gaps changes.
  void fitPieces(std::vector<QLineSeries*>& more, size_t pieces, const QPen& pen) {
    while (more.size() + 1 > std::max<size_t>(1, pieces)) {
      remove(more.back());
      more.pop_back();
    }
    while (more.size() + 1 < pieces) more.push_back(newLine());
    for (QLineSeries* s : more) {
      setPenIfChanged(s, pen);
      hideFromLegend(s);
    }
  }
};

LineChart::LineChart(QWidget* parent) : QWidget(parent), d_(std::make_unique<Impl>()) {
  d_->chart = new QChart;
  d_->chart->legend()->setAlignment(Qt::AlignBottom);
  d_->view = new detail::SafeChartView(d_->chart, this);
  d_->view->setRenderHint(QPainter::Antialiasing);
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  lay->addWidget(d_->view, 1);
  d_->legend = new QLabel;
  d_->legend->setWordWrap(true);
  d_->legend->setAlignment(Qt::AlignHCenter);
  d_->legend->setContentsMargins(8, 0, 8, 4);
  lay->addWidget(d_->legend);
  d_->ax = new QValueAxis;
  d_->ax->setLabelFormat("%.6g");
  d_->ax->setTitleText(d_->xTitle);
  d_->chart->addAxis(d_->ax, Qt::AlignBottom);
  d_->makeYAxis();
  detail::applyStyle(d_->chart, d_->style);
}

LineChart::~LineChart() {
  for (auto& [id, ss] : d_->sets) d_->drop(ss);
}

void LineChart::setTitle(const QString& t) {
  d_->title = t;
  const QString shown = wrapTitle(t, d_->chart->titleFont(), d_->chart->size().width() - 24);
  if (d_->chart->title() != shown) d_->chart->setTitle(shown);
}
QString LineChart::title() const { return d_->title; }

void LineChart::setAxisTitles(const QString& x, const QString& y) {
  d_->xTitle = x;
  d_->yTitle = y;
  d_->ax->setTitleText(x);
  d_->ay->setTitleText(y);
}

void LineChart::setLogY(bool on) {
  if (on == d_->log) return;
  d_->log = on;
  d_->makeYAxis();
}
bool LineChart::logY() const { return d_->log; }

void LineChart::setSmoothing(double w) { d_->smoothing = std::clamp(w, 0.0, 0.999); }

void LineChart::setChartStyle(const ChartStyle& s) {
  d_->style = s;
  detail::applyStyle(d_->chart, s);
  detail::styleChartWidget(this, s);
}

void LineChart::setCurves(std::vector<Curve> curves) { d_->curves = std::move(curves); }
void LineChart::setMarks(std::vector<Mark> marks) { d_->marks = std::move(marks); }
int LineChart::markCount() const { return int(d_->markLines.size()); }
int LineChart::gapCount() const { return d_->gapsShown; }
void LineChart::setFixedRanges(double x0, double x1, double y0, double y1) {
  d_->fixed = true;
  d_->fx0 = x0, d_->fx1 = x1, d_->fy0 = y0, d_->fy1 = y1;
}
void LineChart::clearFixedRanges() { d_->fixed = false; }
const std::vector<Curve>& LineChart::curves() const { return d_->curves; }
int LineChart::displayedPoints() const { return d_->shown; }
void LineChart::setVertexBudget(int vertices) { d_->vertexBudget = std::max(0, vertices); }
void LineChart::setAxisHeadroom(double fraction) { d_->headroom = std::clamp(fraction, 0.0, 1.0); }

namespace {
// [lo, hi] as a live axis shows it: the present range while the data fits in it and fills at least
// 1 / (1 + 3 h) of it; else the data plus h of its span beyond (after hi only when the low end is pinned,
// as a step axis is at its first step).
Range withHeadroom(double lo, double hi, double curLo, double curHi, double h, bool pinLo) {
  const double span = hi - lo, cur = curHi - curLo;
  if (!(h > 0) || !(span > 0) || !std::isfinite(span)) return {lo, hi};
  const bool fits = (pinLo ? lo == curLo : lo >= curLo) && hi <= curHi;
  if (fits && span * (1 + 3 * h) >= cur) return {curLo, curHi};
  const Range r{pinLo ? lo : lo - h * span, hi + h * span};
  return std::isfinite(r.lo) && std::isfinite(r.hi) ? r : Range{lo, hi};
}
}  // namespace

void LineChart::refresh() {
  auto& d = *d_;
  setTitle(d.title);  // re-wrapped for the chart's present width
  // Drop series whose curve went away.
  std::set<QString> ids;
  for (auto& c : d.curves) ids.insert(c.id);
  for (auto it = d.sets.begin(); it != d.sets.end();) {
    if (!ids.count(it->first)) {
      d.drop(it->second);
      it = d.sets.erase(it);
    } else {
      ++it;
    }
  }
  // Ranges over the full data, so decimation never changes the axes.
  double xmin = INFINITY, xmax = -INFINITY;
  std::vector<XY> rawXY(d.curves.size()), smoothXY(d.curves.size()), loXY(d.curves.size()), hiXY(d.curves.size());
  std::vector<std::vector<double>> smoothY(d.curves.size()), gaps(d.curves.size());
  std::vector<Pieces> rawPieces(d.curves.size());
  std::vector<const std::vector<double>*> yRefs;
  for (size_t i = 0; i < d.curves.size(); ++i) {
    const Curve& c = d.curves[i];
    rawXY[i] = sanitize(c.x, c.y, d.log);
    if (d.smoothing > 0 && c.smoothable) {
      // Smooth the complete history first; decimation comes after, per the TensorBoard lesson.
      smoothY[i] = debiasedEma(c.y, d.smoothing);
      smoothXY[i] = sanitize(c.x, smoothY[i], d.log);
      yRefs.push_back(&smoothXY[i].y);
    }
    if (!(d.smoothing > 0 && c.smoothable) || c.rawUnderlay) yRefs.push_back(&rawXY[i].y);
    if (!c.lower.empty() && c.lower.size() == c.x.size() && c.upper.size() == c.x.size()) {
      loXY[i] = sanitize(c.x, c.lower, d.log);
      hiXY[i] = sanitize(c.x, c.upper, d.log);
      if (loXY[i].size() != hiXY[i].size()) loXY[i] = hiXY[i] = {};
      yRefs.push_back(&loXY[i].y);
      yRefs.push_back(&hiXY[i].y);
    }
    if (rawXY[i].size()) {
      xmin = std::min(xmin, rawXY[i].x.front());
      xmax = std::max(xmax, rawXY[i].x.back());
    }
    // A scatter has no line to cut; a line's gaps (a divergence at its end too) lie inside the x range.
    if (c.markers) {
      rawPieces[i].parts.push_back(rawXY[i]);
    } else {
      rawPieces[i] = splitAtGaps(c.x, c.y, d.log);
      gaps[i] = rawPieces[i].gaps;
      if (!gaps[i].empty()) xmin = std::min(xmin, gaps[i].front()), xmax = std::max(xmax, gaps[i].back());
    }
  }
  // Markers at the very edge would be cut in half: a scatter's x range gets a margin on both sides,
  // through the same honest range as the y axes (a single point gets a padded axis around it).
  std::vector<const std::vector<double>*> markerXs;
  for (size_t i = 0; i < d.curves.size(); ++i)
    if (d.curves[i].markers && rawXY[i].size()) markerXs.push_back(&rawXY[i].x);
  if (!markerXs.empty() && xmin <= xmax) {
    const Range xr = niceRange(markerXs, false, 0.08);
    xmin = std::min(xmin, xr.lo), xmax = std::max(xmax, xr.hi);
  }
  if (!(xmin <= xmax)) xmin = 0, xmax = 1;
  if (xmax == xmin) xmax = xmin + 1;
  if (d.fixed) xmin = d.fx0, xmax = d.fx1;
  else if (const Range r = withHeadroom(xmin, xmax, d.ax->min(), d.ax->max(), d.headroom, true); d.headroom > 0)
    xmin = r.lo, xmax = r.hi;
  // Pixel columns to decimate to: the plot's width, fewer when the curves would exceed the vertex
  // budget (about 4 vertices a column for raw data, 1 for a smoothed line).
  int columns = std::max(200, int(d.chart->plotArea().width()));
  if (d.vertexBudget > 0) {
    int perColumn = 0;
    for (auto& c : d.curves) {
      const bool smoothed = d.smoothing > 0 && c.smoothable;
      perColumn += (smoothed ? 1 : 4) + (smoothed && c.rawUnderlay ? 4 : 0) + (c.lower.empty() ? 0 : 8);
    }
    if (perColumn > 0) columns = std::min(columns, std::max(Impl::kMinColumns, d.vertexBudget / perColumn));
  }
  const double w = d.style.lineWidth();
  int shown = 0;
  // Qt Charts recomputes a series' geometry (its path and the stroked hover shape: most of a frame's
  // cost) on every replace() and, for every series of the chart, on every axis range change. So the
  // new points are only collected here, and handed over below in one pass per series.
  std::vector<std::pair<QLineSeries*, QList<QPointF>>> updates;
  for (size_t i = 0; i < d.curves.size(); ++i) {
    const Curve& c = d.curves[i];
    SeriesSet& ss = d.sets[c.id];
    // Smoothed: the smoothed line over the faint raw curve, or (no underlay) the smoothed line alone,
    // drawn by the raw series.
    const bool smoothed = d.smoothing > 0 && c.smoothable;
    const bool smoothing = smoothed && c.rawUnderlay;
    if (!ss.raw) ss.raw = d.newLine();
    if (smoothing && !ss.smooth) ss.smooth = d.newLine();
    if (!smoothing && ss.smooth) {
      d.remove(ss.smooth);
      ss.smooth = nullptr;
      for (QLineSeries* s : ss.smoothMore) d.remove(s);
      ss.smoothMore.clear();
    }
    const bool hasBand = loXY[i].size() > 0;
    if (hasBand && !ss.band) {
      ss.lo = new QLineSeries;
      ss.hi = new QLineSeries;
      ss.band = new QAreaSeries(ss.hi, ss.lo);
      // Parent the boundaries to the band explicitly so one delete frees all three, whatever the
      // Qt version's ownership rules for QAreaSeries.
      ss.lo->setParent(ss.band);
      ss.hi->setParent(ss.band);
      d.chart->addSeries(ss.band);
      ss.band->attachAxis(d.ax);
      ss.band->attachAxis(d.ay);
    }
    if (hasBand) {
      auto lo = decimateMinMax(loXY[i], xmin, xmax, columns), hi = decimateMinMax(hiXY[i], xmin, xmax, columns);
      if (lo.size() != hi.size()) lo = loXY[i], hi = hiXY[i];
      shown += int(lo.size() + hi.size());
      updates.emplace_back(ss.lo, toPoints(lo));
      updates.emplace_back(ss.hi, toPoints(hi));
      setNameIfChanged(ss.band, c.label + " (" + c.bandName + ")");
      setPenIfChanged(ss.band, QPen(Qt::NoPen));
      if (ss.band->brush().color() != withAlpha(c.color, 60)) ss.band->setBrush(withAlpha(c.color, 60));
    }
    // Raw data keeps each pixel column's extremes; a smoothed line needs one point per column. A
    // non-finite value cuts the line: each stretch is a series of its own (a scatter has no line to cut).
    auto drawPieces = [&](QLineSeries* first, std::vector<QLineSeries*>& more, Pieces p, bool last, const QPen& pen) {
      if (p.parts.empty()) p.parts.emplace_back();
      d.fitPieces(more, p.parts.size(), pen);
      for (size_t k = 0; k < p.parts.size(); ++k) {
        const XY dp = last ? decimateLast(p.parts[k], xmin, xmax, columns) : decimateMinMax(p.parts[k], xmin, xmax, columns);
        shown += int(dp.size());
        updates.emplace_back(k ? more[k - 1] : first, toPoints(dp));
      }
    };
    QPen pen(smoothing ? withAlpha(c.color, 70) : c.color);
    pen.setWidthF(smoothing ? std::max(1.0, w * 0.5) : w * c.widthScale);
    pen.setStyle(c.style);
    pen.setCapStyle(Qt::RoundCap);
    const bool lastOnly = smoothed && !smoothing;
    drawPieces(ss.raw, ss.rawMore, lastOnly ? splitAtGaps(c.x, smoothY[i], d.log) : std::move(rawPieces[i]), lastOnly, pen);
    setPenIfChanged(ss.raw, pen);
    setNameIfChanged(ss.raw, c.label);
    if (ss.raw->pointsVisible() != c.markers) ss.raw->setPointsVisible(c.markers);
    if (c.markers && ss.raw->markerSize() != 3.5 * w) ss.raw->setMarkerSize(3.5 * w);
    if (smoothing) {
      QPen sp(c.color);
      sp.setWidthF(w * c.widthScale);
      sp.setStyle(c.style);
      drawPieces(ss.smooth, ss.smoothMore, splitAtGaps(c.x, smoothY[i], d.log), true, sp);
      setPenIfChanged(ss.smooth, sp);
      setNameIfChanged(ss.smooth, c.label);
      d.hideFromLegend(ss.raw);
      if (!c.inLegend) d.hideFromLegend(ss.smooth);
    } else if (!c.inLegend) {
      d.hideFromLegend(ss.raw);
    }
    if (ss.band) d.hideFromLegend(ss.band);
  }
  // The axis ranges this refresh sets (roundTicks keeps the range it is given; a log axis spans whole
  // decades of its base).
  Range yr = niceRange(yRefs, d.log);
  if (d.fixed && !d.log) yr = {d.fy0, d.fy1};
  else if (!d.log && d.headroom > 0) {
    auto* va = static_cast<QValueAxis*>(d.ay);
    yr = withHeadroom(yr.lo, yr.hi, va->min(), va->max(), d.headroom, false);
  }
  int logK = 1;
  if (d.log) {
    // At most ~6 labels: with many decades, label every k-th decade (base 10^k), or Qt elides them all.
    const double a = std::log10(yr.lo), b = std::log10(yr.hi);
    logK = std::max(1, int(std::ceil((b - a) / 6.0)));
    yr = {std::pow(10.0, std::floor(a / logK) * logK), std::pow(10.0, std::ceil(b / logK) * logK)};
  }
  auto axisMin = [](QAbstractAxis* a) {
    auto* l = qobject_cast<QLogValueAxis*>(a);
    return l ? l->min() : static_cast<QValueAxis*>(a)->min();
  };
  auto axisMax = [](QAbstractAxis* a) {
    auto* l = qobject_cast<QLogValueAxis*>(a);
    return l ? l->max() : static_cast<QValueAxis*>(a)->max();
  };
  const bool rangeChanges = d.ax->min() != xmin || d.ax->max() != xmax || axisMin(d.ay) != yr.lo || axisMax(d.ay) != yr.hi;
  if (rangeChanges) {
    // Emptied first, a series costs nothing when the ranges change; it is drawn once, when refilled.
    for (auto* s : d.chart->series())
      if (auto* l = qobject_cast<QLineSeries*>(s); l && l->count()) l->clear();
    for (auto& [id, ss] : d.sets)
      if (ss.band) ss.lo->clear(), ss.hi->clear();
  }
  // Step labels run to 5-6 digits: about one per 60 px; value labels stack vertically, one per 40 px.
  const QRectF plot = d.chart->plotArea();
  detail::roundTicks(d.ax, xmin, xmax, plot.width() > 0 ? detail::tickIntervalsFor(plot.width(), 60) : 5);
  double ylo, yhi;  // the axis range as finally set, which the marks span
  if (d.log) {
    auto* la = static_cast<QLogValueAxis*>(d.ay);
    la->setBase(std::pow(10.0, logK));
    la->setMinorTickCount(logK > 1 ? 0 : -1);
    la->setRange(yr.lo, yr.hi);
    ylo = la->min(), yhi = la->max();
  } else {
    auto* va = static_cast<QValueAxis*>(d.ay);
    detail::roundTicks(va, yr.lo, yr.hi, plot.height() > 0 ? detail::tickIntervalsFor(plot.height(), 40) : 5);
    ylo = va->min(), yhi = va->max();
  }
  // A series whose points are those it shows, in ranges that stayed, is left alone.
  for (auto& [series, pts] : updates)
    if (rangeChanges || series->points() != pts) series->replace(pts);
  // A small triangle at the foot of the plot at each gap, in the curve's colour.
  const double footY = d.log ? ylo * std::pow(yhi / ylo, 0.03) : ylo + 0.03 * (yhi - ylo);
  d.gapsShown = 0;
  for (size_t i = 0; i < d.curves.size(); ++i) {
    SeriesSet& ss = d.sets[d.curves[i].id];
    QList<QPointF> pts;
    for (double g : gaps[i])
      if (g >= xmin && g <= xmax && pts.size() < 512) pts.append(QPointF(g, footY));
    if (pts.isEmpty()) {
      d.remove(ss.gapMarks);
      ss.gapMarks = nullptr;
      continue;
    }
    d.gapsShown += int(pts.size());
    if (!ss.gapMarks) {
      ss.gapMarks = new QScatterSeries;
      ss.gapMarks->setMarkerShape(QScatterSeries::MarkerShapeTriangle);
      ss.gapMarks->setBorderColor(Qt::transparent);
      d.chart->addSeries(ss.gapMarks);
      ss.gapMarks->attachAxis(d.ax);
      ss.gapMarks->attachAxis(d.ay);
    }
    if (ss.gapMarks->color() != d.curves[i].color) ss.gapMarks->setColor(d.curves[i].color);
    if (ss.gapMarks->markerSize() != 3.5 * w) ss.gapMarks->setMarkerSize(3.5 * w);
    if (ss.gapMarks->points() != pts) ss.gapMarks->replace(pts);
    d.hideFromLegend(ss.gapMarks);
  }
  // Marks only once there is data: on an empty chart the axes are placeholders.
  const auto drawnMarks = d.drawMarks(shown > 0, xmin, xmax, ylo, yhi);
  std::vector<detail::LegendEntry> entries;
  for (auto& c : d.curves)
    if (c.inLegend)
      entries.push_back({c.label, c.color, c.markers ? "●" : c.style == Qt::DashLine ? "╌╌" : c.style == Qt::DotLine ? "┈┈" : "━━"});
  for (const Mark* m : drawnMarks) entries.push_back({m->label, m->color, "┆"});
  if (d.gapsShown) entries.push_back({"gap: value not finite", QColor(120, 120, 120), "▲"});
  const QString html = detail::legendHtml(entries);
  if (d.legend->text() != html) d.legend->setText(html);
  // Shown even when empty: a label that appears lays the window out at once, inside this refresh,
  // and Qt Charts then recomputes every series for the new size.
  if (d.legend->isVisibleTo(this) != d.legendShown) d.legend->setVisible(d.legendShown);
  d.shown = shown;
  emit redrawn(shown);
}

void LineChart::setLegendShown(bool on) {
  d_->legendShown = on;
  if (!on) d_->legend->hide();
}

QRect LineChart::plotRect() const { return detail::plotRectIn(this, d_->view, d_->chart); }

bool LineChart::writeCsv(QIODevice* out, QString* error) const {
  // Union of x values, then one column per curve (plus its band), looked up by x.
  std::set<double> xs;
  for (auto& c : d_->curves) xs.insert(c.x.begin(), c.x.end());
  std::vector<std::map<double, double>> cols;
  QStringList header{d_->xTitle.isEmpty() ? QStringLiteral("x") : d_->xTitle};
  auto quote = [](QString s) {
    if (s.contains(',') || s.contains('"')) s = '"' + s.replace('"', "\"\"") + '"';
    return s;
  };
  for (auto& c : d_->curves) {
    auto add = [&](const QString& name, const std::vector<double>& ys) {
      std::map<double, double> m;
      for (size_t i = 0; i < c.x.size() && i < ys.size(); ++i) m[c.x[i]] = ys[i];
      cols.push_back(std::move(m));
      header << quote(name);
    };
    add(c.label, c.y);
    // A min–max band keeps its historical "min"/"max" columns; any other band names both ends.
    const bool minMax = c.bandName == QStringLiteral("min–max");
    if (!c.lower.empty()) add(c.label + (minMax ? " min" : " lower (" + c.bandName + ")"), c.lower);
    if (!c.upper.empty()) add(c.label + (minMax ? " max" : " upper (" + c.bandName + ")"), c.upper);
  }
  QByteArray buf = header.join(',').toUtf8() + '\n';
  for (double x : xs) {
    buf += QByteArray::number(x, 'g', 10);
    for (auto& m : cols) {
      buf += ',';
      auto it = m.find(x);
      if (it != m.end()) buf += std::isfinite(it->second) ? QByteArray::number(it->second, 'g', 10) : QByteArray("nan");
    }
    buf += '\n';
  }
  if (out->write(buf) != buf.size()) {
    if (error) *error = out->errorString();
    return false;
  }
  return true;
}

}  // namespace udlab::ui
