#include "ui/plot/figure.h"

#include <QApplication>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ui/charts/chart_export.h"
#include "ui/charts/chart_theme.h"
#include "ui/charts/complex_plane_chart.h"
#include "ui/charts/line_chart.h"

namespace udlab::ui {

QStringList figureChartNames() { return {"loss", "grad", "norms", "membership", "eigen", "all", "compare", "multiples"}; }
bool figureHasManyCharts(const QString& chart) { return chart == "all" || chart == "norms" || chart == "multiples"; }

QSize chooseFigureGrid(int n, int w, int h) {
  QSize best(1, std::max(1, n));
  double bestScore = -1;
  for (int c = 1; c <= std::max(1, n); ++c) {
    const int r = (n + c - 1) / c;
    const double score = std::min(w / double(c) / 1.3, h / double(r));
    if (score > bestScore + 1e-9) bestScore = score, best = QSize(c, r);
  }
  return best;
}

namespace {

QString glyphFor(Qt::PenStyle s) { return s == Qt::DashLine ? "╌╌" : s == Qt::DotLine ? "┈┈" : "━━"; }

// What the loss chart's line styles and the eigenvalue markers mean ("━━ train ╌╌ val", "● λ ■ h_t"),
// with the run's (or seed group's) name, as the legend already lists it, taken off each label.
void addKeys(std::vector<detail::LegendEntry>& entries, const std::vector<Curve>& lossCurves, const std::vector<PointSet>& sets) {
  if (entries.empty()) return;
  const QColor key(0x44, 0x44, 0x44);
  QStringList owners;
  for (auto& e : entries) owners << e.label;
  auto strip = [&](const QString& label) {
    for (auto& o : owners)
      if (owners.size() > 1 && label.startsWith(o + " ")) return label.mid(o.size() + 1);
    return label;
  };
  std::map<Qt::PenStyle, QString> styles;
  for (auto& c : lossCurves) styles.emplace(c.style, strip(c.label));
  if (styles.size() > 1)
    for (auto& [style, name] : styles) entries.push_back({name, key, glyphFor(style)});
  std::map<int, QStringList> shapes;
  for (auto& p : sets)
    if (!p.faded && !shapes[p.shape].contains(strip(p.label))) shapes[p.shape] << strip(p.label);
  if (shapes.size() > 1)
    for (auto& [shape, names] : shapes) entries.push_back({names.join(" / "), key, shape == 1 ? "■" : shape == 2 ? "◆" : "●"});
}

}  // namespace

std::unique_ptr<Figure> buildFigure(const FigureRequest& req, const std::vector<RunRef>& runs, QString* error) {
  if (!figureChartNames().contains(req.chart)) {
    if (error) *error = QString("unknown chart '%1' (use %2)").arg(req.chart, figureChartNames().join(", "));
    return nullptr;
  }
  auto fig = std::make_unique<Figure>();
  ChartStyle style;
  style.teaching = req.teaching;
  style.dark = false;
  style.figure = true;
  // 12 pt labels on a 13.33 in slide (the window's teaching style uses 14): the plots keep the room.
  style.scale = req.size.styleScale() * (req.teaching ? 12.0 / 14.0 : 1.0);

  // Which charts: those asked for, and for "all" those with something to show.
  bool anyProfile = false, anyMember = false, anyEigen = false;
  for (auto& r : runs)
    for (auto& s : r.data->snapshots) {
      anyProfile = anyProfile || s.profiles.count("state_norm") || s.profiles.count("state_grad_norm");
      anyMember = anyMember || s.profiles.count("membership_error");
      anyEigen = anyEigen || !s.eigenvalues.empty();
    }
  const bool all = req.chart == "all";
  std::vector<QWidget*> cells;
  std::vector<Curve> keyCurves;
  std::vector<PointSet> keySets;
  auto line = [&](const QString& title, const QString& yt, const QString& xt, bool log, std::vector<Curve> curves,
                  double smoothing) {
    auto* c = new LineChart(fig.get());
    c->setChartStyle(style);
    c->setLegendShown(false);
    c->setTitle(title);
    c->setAxisTitles(xt, yt);
    c->setLogY(log);
    c->setSmoothing(smoothing);
    c->setCurves(std::move(curves));
    cells.push_back(c);
  };
  QString stepNote;
  if (all || req.chart == "loss") {
    const QString t = req.metric == LossMetric::Accuracy ? "Accuracy" : req.metric == LossMetric::Loss ? "Loss"
                      : req.metric == LossMetric::Perplexity                                           ? "Perplexity"
                                                                                                       : "Bits per character";
    auto curves = lossCurves(runs, req.metric);
    keyCurves = curves;
    line(t, lossMetricTitle(req.metric), "step", false, std::move(curves), req.smoothing);
  }
  if (all || req.chart == "grad") line("Gradient norm", "‖∇θ L‖", "step", true, gradCurves(runs, req.perTensor), req.smoothing);
  if ((all && anyProfile) || req.chart == "norms") {
    int shown = -1;
    for (auto& r : runs)
      if (const Snapshot* s = profileSnapshot(*r.data, req.step)) shown = std::max(shown, s->step);
    const QString at = shown >= 0 ? QString(" at step %1").arg(shown) : QString();
    line("Hidden-state norm" + at, "‖h_t‖", "time position t", false, stateNormCurves(runs, req.step), 0);
    line("Gradient through time" + at, "‖∂L/∂h_t‖", "time position t", true, stateGradCurves(runs, req.step), 0);
  }
  if ((all && anyMember) || req.chart == "membership" || (req.chart == "norms" && anyMember))
    line("Distance from the group", "membership error", "time position t", true, membershipCurves(runs, req.step), 0);
  // The compare view's charts, from the same builders the view uses (compare_curves.h).
  const std::vector<SeedGroup> groups = req.groupSeeds ? groupBySeed(runs) : singletonGroups(runs);
  if (req.chart == "compare") {
    ComparePlot p = compareOverlay(groups, req.metric, req.band, req.xAxis);
    keyCurves = p.curves;
    line(p.title, p.yTitle, p.xTitle, false, std::move(p.curves), req.smoothing);
  }
  if (req.chart == "multiples") {
    CompareMultiples ms = compareMultiples(groups, req.metric, req.band, req.xAxis);
    for (auto& p : ms.charts) {
      if (keyCurves.empty()) keyCurves = p.curves;
      line(p.title, p.yTitle, p.xTitle, false, std::move(p.curves), req.smoothing);
      if (ms.shared) static_cast<LineChart*>(cells.back())->setFixedRanges(ms.x0, ms.x1, ms.y0, ms.y1);
    }
  }
  if ((all && anyEigen) || req.chart == "eigen") {
    auto* c = new ComplexPlaneChart(fig.get());
    c->setMinimumSize(40, 40);  // the grid gives it a cell like any other chart
    c->setChartStyle(style);
    c->setLegendShown(false);
    EigenView v = eigenView(runs, req.step);
    c->setTitle(v.step >= 0 ? QString("Eigenvalues at step %1").arg(v.step) : QString("Eigenvalues (none logged)"));
    keySets = v.sets;
    c->setPointSets(std::move(v.sets));
    c->setRings(std::move(v.rings));
    cells.push_back(c);
  }

  const QSize logical = req.size.logical();
  auto* lay = new QVBoxLayout(fig.get());
  lay->setContentsMargins(4, 2, 4, 2);
  lay->setSpacing(0);
  fig->legend_ = new QLabel(fig.get());
  fig->legend_->setWordWrap(true);
  fig->legend_->setAlignment(Qt::AlignHCenter);
  std::vector<detail::LegendEntry> entries;
  // One legend entry per drawn line owner: a seed group when the compare charts group seeds.
  const bool byGroup = req.groupSeeds && (req.chart == "compare" || req.chart == "multiples");
  const QString glyph = req.chart == "compare" && req.xAxis == XAxis::Params ? "●" : "━━";
  if (byGroup)
    for (auto& g : groups) entries.push_back({g.runs.size() > 1 ? seedGroupLabel(g, req.band) : g.name, g.runs.front().color, glyph});
  else
    for (auto& r : runs) entries.push_back({r.name, r.color, glyph});
  addKeys(entries, keyCurves, keySets);
  fig->legend_->setText(detail::legendHtml(entries));
  lay->addWidget(fig->legend_);
  auto* grid = new QGridLayout;
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(std::max(2, int(6 * style.scale)));
  const QSize g = chooseFigureGrid(int(cells.size()), logical.width(), logical.height() - 30);
  fig->grid_ = g;
  for (int i = 0; i < int(cells.size()); ++i) grid->addWidget(cells[size_t(i)], i / g.width(), i % g.width());
  for (int c = 0; c < g.width(); ++c) grid->setColumnStretch(c, 1);
  for (int r = 0; r < g.height(); ++r) grid->setRowStretch(r, 1);
  lay->addLayout(grid, 1);
  detail::styleChartWidget(fig.get(), style);
  fig->cells_ = cells;

  fig->setAttribute(Qt::WA_DontShowOnScreen);
  fig->resize(logical);
  fig->show();
  // Two passes: the first lays the widgets out so the charts know their plot areas (decimation
  // columns, tick counts, the round unit circle); the second redraws with those sizes.
  for (int pass = 0; pass < 2; ++pass) {
    QApplication::processEvents();
    for (auto* w : cells) {
      if (auto* lc = qobject_cast<LineChart*>(w)) lc->refresh();
      if (auto* cc = qobject_cast<ComplexPlaneChart*>(w)) cc->refresh();
    }
  }
  // The charts' own legends are hidden: the figure's says what a gap marker means.
  if (std::any_of(cells.begin(), cells.end(), [](QWidget* w) { auto* lc = qobject_cast<LineChart*>(w); return lc && lc->gapCount(); })) {
    entries.push_back({"gap: value not finite", QColor(120, 120, 120), "▲"});
    fig->legend_->setText(detail::legendHtml(entries));
  }
  QApplication::processEvents();
  return fig;
}

QString renderFigure(const FigureRequest& req, const std::vector<RunRef>& runs, const QString& out) {
  if (imageFormatFor(out) == ImageFormat::Unknown) return QString("unknown output format '%1' (use .png, .svg or .pdf)").arg(out);
  if (!(req.dpi >= 30 && req.dpi <= 1200)) return QString("dpi %1 is out of range (30..1200)").arg(req.dpi);
  const QSize logical = req.size.logical();
  const double px = std::max(logical.width(), logical.height()) * req.dpi / FigureSize::kLogicalDpi;
  if (imageFormatFor(out) == ImageFormat::Png && px > 20000)
    return QString("%1 at %2 dpi would be %3 pixels wide; use a lower --dpi or PDF/SVG").arg(req.size.name).arg(req.dpi).arg(int(px));
  // Fail on an unwritable place before the (slower) layout.
  const QFileInfo dir(QFileInfo(out).absolutePath());
  if (!dir.isDir()) return QString("cannot write '%1': folder %2 does not exist").arg(out, dir.filePath());
  if (!dir.isWritable()) return QString("cannot write '%1': folder %2 is not writable").arg(out, dir.filePath());
  QString err;
  auto fig = buildFigure(req, runs, &err);
  if (!fig) return err;
  ExportOptions o;
  o.pngScale = req.dpi / FigureSize::kLogicalDpi;
  o.pageInches = QSizeF(req.size.wIn, req.size.hIn);
  return exportWidget(fig.get(), out, o);
}

}  // namespace udlab::ui
