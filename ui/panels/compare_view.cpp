#include "ui/panels/compare_view.h"

#include <QRegularExpression>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "ui/charts/chart_math.h"
#include "ui/charts/line_chart.h"
#include "ui/plot/figure.h"

namespace udlab::ui {

namespace {
double lastOf(const RunData& d, Metric key) {
  auto* s = d.series(key);
  for (size_t i = s ? s->size() : 0; i-- > 0;)
    if (std::isfinite(s->y[i])) return s->y[i];
  return NAN;
}
// prec > 0: significant digits; 0: a whole number with thousands separators (params, tokens/s), so a
// column never mixes 2.9845e+05 with 55948.
QString fmt(double v, int prec = 4) {
  if (!std::isfinite(v)) return QString("—");
  return prec > 0 ? QString::number(v, 'g', prec) : formatWhole(v);
}
const QStringList kHeader{"run", "params", "final val ppl", "final val bpc", "final val accuracy", "tokens/s",
                          "max norm drift", "max grad norm", "wall time (s)"};
// The numeric fields in column order, with the precision each is shown at.
using Field = double RunSummary::*;
const std::array<std::pair<Field, int>, 8> kFields{{{&RunSummary::params, 0},
                                                     {&RunSummary::valPpl, 4},
                                                     {&RunSummary::valBpc, 4},
                                                     {&RunSummary::valAccuracy, 3},
                                                     {&RunSummary::tokensPerSecond, 0},
                                                     {&RunSummary::maxNormDrift, 3},
                                                     {&RunSummary::maxGradNorm, 4},
                                                     {&RunSummary::wallTime, 4}}};
QStringList header(bool withN) {
  QStringList h = kHeader;
  if (withN) h.insert(1, "N");
  return h;
}
QStringList cells(const RunSummary& r, bool withN) {
  QStringList c{r.name};
  if (withN) c << QString::number(r.n);
  for (size_t i = 0; i < kFields.size(); ++i) {
    const auto [field, prec] = kFields[i];
    QString v = fmt(r.*field, prec);
    // Two significant digits of spread say how far the mean can be trusted without crowding it.
    if (r.n > 1 && std::isfinite(r.*field) && std::isfinite(r.sd[i])) v += " ± " + QString::number(r.sd[i], 'g', 2);
    c << v;
  }
  return c;
}
}  // namespace

QString formatWhole(double v) {
  if (!std::isfinite(v)) return QString("—");
  QString digits = QString::number(std::llround(std::abs(v)));
  for (int i = int(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ',');
  return (v < 0 ? "-" : "") + digits;
}

RunSummary summarize(const RunRef& r) {
  RunSummary s;
  s.name = r.name;
  const RunData& d = *r.data;
  if (d.run_info.is_object() && d.run_info.contains("params") && d.run_info["params"].is_number())
    s.params = d.run_info["params"].get<double>();
  s.valPpl = lastOf(d, Metric::ValPpl);
  if (!std::isfinite(s.valPpl) && std::isfinite(lastOf(d, Metric::ValLoss))) s.valPpl = std::exp(lastOf(d, Metric::ValLoss));
  s.valBpc = lastOf(d, Metric::ValBpc);
  s.valAccuracy = lastOf(d, Metric::ValAccuracy);
  if (!std::isfinite(s.valBpc) && std::isfinite(lastOf(d, Metric::ValLoss))) s.valBpc = lastOf(d, Metric::ValLoss) / std::log(2.0);
  if (auto* t = d.series(Metric::TokensPerS); t && t->size()) {
    double sum = 0;
    int n = 0;
    for (double v : t->y)
      if (std::isfinite(v)) sum += v, ++n;
    if (n) s.tokensPerSecond = sum / n;
  }
  // Norm drift: how far ‖h_t‖ wanders from ‖h_0‖ along the sequence, relative, worst over the logged
  // snapshots. Zero (to round-off) for a group model, large for a tanh RNN.
  for (auto& snap : d.snapshots) {
    auto it = snap.profiles.find("state_norm");
    if (it == snap.profiles.end() || it->second.empty() || !(std::abs(it->second[0]) > 0)) continue;
    double h0 = it->second[0], worst = 0;
    for (double v : it->second)
      if (std::isfinite(v)) worst = std::max(worst, std::abs(v - h0) / std::abs(h0));
    s.maxNormDrift = std::isfinite(s.maxNormDrift) ? std::max(s.maxNormDrift, worst) : worst;
  }
  if (auto* g = d.series(Metric::GradNorm))
    for (double v : g->y)
      if (std::isfinite(v)) s.maxGradNorm = std::isfinite(s.maxGradNorm) ? std::max(s.maxGradNorm, v) : v;
  s.wallTime = lastOf(d, Metric::WallTime);
  return s;
}

RunSummary summarize(const SeedGroup& g) {
  if (g.runs.size() == 1) return summarize(g.runs.front());
  std::vector<RunSummary> each;
  for (auto& r : g.runs) each.push_back(summarize(r));
  RunSummary s;
  s.name = g.name;
  s.n = int(g.runs.size());
  for (size_t i = 0; i < kFields.size(); ++i) {
    const Field f = kFields[i].first;
    double sum = 0;
    int n = 0;
    for (auto& e : each)
      if (std::isfinite(e.*f)) sum += e.*f, ++n;
    if (!n) continue;
    s.*f = sum / n;
    double ss = 0;
    for (auto& e : each)
      if (std::isfinite(e.*f)) ss += (e.*f - s.*f) * (e.*f - s.*f);
    s.sd[i] = n > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
  }
  return s;
}

QString summaryCsv(const std::vector<RunSummary>& rows, bool withN) {
  QString out = header(withN).join(',') + '\n';
  for (auto& r : rows) {
    QStringList c = cells(r, withN);
    for (auto& x : c) {
      if (x == "—") x.clear();
      static const QRegularExpression grouped("^-?[0-9]{1,3}(,[0-9]{3})+$");
      if (grouped.match(x).hasMatch()) x.remove(',');  // CSV is for programs: 37761, not "37,761"
      if (x.contains(',') || x.contains('"')) x = '"' + x.replace('"', "\"\"") + '"';
    }
    out += c.join(',') + '\n';
  }
  return out;
}

QString summaryMarkdown(const std::vector<RunSummary>& rows, bool withN) {
  const QStringList h = header(withN);
  QString out = "| " + h.join(" | ") + " |\n|";
  for (int i = 0; i < h.size(); ++i) out += i ? "---:|" : "---|";
  out += '\n';
  for (auto& r : rows) {
    QStringList c = cells(r, withN);
    for (auto& x : c) x.replace('|', "\\|");
    out += "| " + c.join(" | ") + " |\n";
  }
  return out;
}

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  metric_ = new QComboBox;
  metric_->addItems({"loss (nats)", "perplexity", "bits per character", "accuracy"});
  metric_->setToolTip("The quantity compared in the overlay and the small multiples.");
  xAxis_ = new QComboBox;
  xAxis_->addItems({"over steps", "over tokens seen", "over wall time", "against parameters"});
  xAxis_->setToolTip("The x axis: training steps, tokens seen (fair across batch sizes and sequence lengths), "
                     "wall time (fair across speeds), or parameters: each run's final validation value as one "
                     "point (a summary scatter; the small multiples then stay over steps).");
  auto* csv = new QPushButton("Export table…");
  csv->setToolTip("Save the summary table as CSV (.csv) or Markdown (.md), e.g. for a paper's table.");
  groupSeeds_ = new QCheckBox("Group seeds");
  groupSeeds_->setToolTip("Draw runs whose configs differ only by seed as one mean line with a band, one chart "
                          "and one table row (mean ± std, with N).");
  band_ = new QComboBox;
  band_->addItems({"± std", "± std-err", "min–max"});
  band_->setToolTip("The band around a seed group's mean: sample standard deviation, standard error (std/√N), "
                    "or the range of the seeds.");
  band_->setEnabled(false);
  top->addWidget(new QLabel("Compare:"));
  top->addWidget(metric_);
  top->addWidget(xAxis_);
  top->addWidget(groupSeeds_);
  top->addWidget(band_);
  top->addStretch();
  top->addWidget(csv);
  lay->addLayout(top);
  notes_ = new QLabel;
  notes_->setWordWrap(true);
  notes_->setStyleSheet("QLabel { background: #FFF4D6; color: #5A4000; padding: 4px; }");
  notes_->hide();
  lay->addWidget(notes_);
  // Small multiples across the top (they need the width), overlay and table side by side below.
  auto* split = new QSplitter(Qt::Vertical);
  auto* bottom = new QSplitter(Qt::Horizontal);
  overlay_ = new LineChart;
  overlay_->setTitle("All runs");
  overlay_->setSmoothing(0.6);
  overlay_->setVertexBudget(LineChart::kLiveVertexBudget);
  multiples_ = new QWidget;
  grid_ = new QGridLayout(multiples_);
  grid_->setContentsMargins(0, 0, 0, 0);
  grid_->setSpacing(2);
  table_ = new QTableWidget;
  table_->setColumnCount(kHeader.size());
  table_->setHorizontalHeaderLabels(header(false));
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setToolTip("Max norm drift: the largest relative change of ‖h_t‖ along the sequence over the logged "
                     "snapshots (0 for a norm-preserving group model).");
  bottom->addWidget(overlay_);
  bottom->addWidget(table_);
  bottom->setSizes({600, 500});
  split->addWidget(multiples_);
  split->addWidget(bottom);
  split->setSizes({500, 400});
  lay->addWidget(split, 1);
  connect(metric_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
  connect(xAxis_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
  connect(groupSeeds_, &QCheckBox::toggled, this, [this](bool on) {
    band_->setEnabled(on);
    regroup();
    refresh();
  });
  connect(band_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
  connect(csv, &QPushButton::clicked, this, [this] {
    QString path = QFileDialog::getSaveFileName(this, "Export summary table", QDir(exportFolder_).filePath("summary.md"),
                                                "Markdown (*.md);;CSV (*.csv)");
    if (path.isEmpty()) return;
    exportFolder_ = QFileInfo(path).absolutePath();
    const QString err = exportTable(path);
    emit message(err.isEmpty() ? "wrote " + path : err, !err.isEmpty());
  });
}

void CompareView::setChartStyle(const ChartStyle& s) {
  style_ = s;
  overlay_->setChartStyle(s);
  for (auto* c : smalls_) c->setChartStyle(s);
  refresh();
}

void CompareView::setGroupSeeds(bool on) { groupSeeds_->setChecked(on); }
bool CompareView::groupSeeds() const { return groupSeeds_->isChecked(); }
void CompareView::setSeedBand(SeedBand b) { band_->setCurrentIndex(int(b)); }
SeedBand CompareView::band() const { return SeedBand(band_->currentIndex()); }
void CompareView::setXAxis(XAxis x) { xAxis_->setCurrentIndex(int(x)); }
XAxis CompareView::xAxis() const { return XAxis(xAxis_->currentIndex()); }
void CompareView::setMetric(LossMetric m) { metric_->setCurrentIndex(int(m)); }
LossMetric CompareView::metric() const { return LossMetric(metric_->currentIndex()); }

void CompareView::fillFigureRequest(FigureRequest* req) const {
  req->metric = metric();
  req->xAxis = xAxis();
  req->groupSeeds = groupSeeds();
  req->band = band();
  req->smoothing = 0.6;
}

void CompareView::setRuns(std::vector<RunRef> runs) {
  for (auto& step : stageRuns(std::move(runs))) step();
}

RedrawSteps CompareView::stageRuns(std::vector<RunRef> runs) {
  runs_ = std::move(runs);
  regroup();
  return refreshSteps();
}

void CompareView::regroup() {
  groups_ = groupSeeds() ? groupBySeed(runs_) : singletonGroups(runs_);
  // Rebuild the small multiples only when their number changes.
  if (smalls_.size() != groups_.size()) {
    for (auto* c : smalls_) delete c;
    smalls_.clear();
    const int cols = groups_.size() <= 4 ? std::max<int>(1, int(groups_.size())) : 4;
    const int rows = (int(groups_.size()) + cols - 1) / cols;
    for (size_t i = 0; i < groups_.size(); ++i) {
      auto* c = new LineChart;
      c->setChartStyle(style_);
      c->setSmoothing(0.6);
      c->setVertexBudget(LineChart::kLiveVertexBudget);
      grid_->addWidget(c, int(i) / cols, int(i) % cols);
      smalls_.push_back(c);
    }
    // Equal cells: the grid keeps the columns of earlier, smaller sets, and without stretch factors
    // it squeezed the newest multiple into a sliver.
    for (int c = 0; c < grid_->columnCount(); ++c) grid_->setColumnStretch(c, c < cols ? 1 : 0);
    for (int r = 0; r < grid_->rowCount(); ++r) grid_->setRowStretch(r, r < rows ? 1 : 0);
  }
}

RedrawSteps CompareView::refreshSteps() {
  return {[this] { refreshOverlay(); }, [this] { refreshMultiples(); }, [this] { refreshTable(); }};
}

void CompareView::refresh() {
  for (auto& step : refreshSteps()) step();
}

void CompareView::refreshOverlay() {
  ComparePlot p = compareOverlay(groups_, metric(), band(), xAxis());
  overlay_->setTitle(p.title);
  overlay_->setAxisTitles(p.xTitle, p.yTitle);
  overlay_->setCurves(std::move(p.curves));
  overlay_->refresh();
}

void CompareView::refreshMultiples() {
  CompareMultiples ms = compareMultiples(groups_, metric(), band(), xAxis());
  for (size_t i = 0; i < ms.charts.size() && i < smalls_.size(); ++i) {
    ComparePlot& p = ms.charts[i];
    smalls_[i]->setTitle(p.title);
    smalls_[i]->setAxisTitles(p.xTitle, p.yTitle);
    smalls_[i]->setCurves(std::move(p.curves));
    if (ms.shared) smalls_[i]->setFixedRanges(ms.x0, ms.x1, ms.y0, ms.y1);
    smalls_[i]->refresh();
  }
}

QString CompareView::notes() const { return notes_->isVisible() || !notes_->text().isEmpty() ? notes_->text() : QString(); }

void CompareView::refreshTable() {
  const QStringList notes = identicalModelNotes(runs_);
  notes_->setText(notes.join('\n'));
  notes_->setVisible(!notes.isEmpty());
  rows_.clear();
  for (auto& g : groups_) rows_.push_back(summarize(g));
  const bool withN = groupSeeds();
  const QStringList h = header(withN);
  if (table_->columnCount() != h.size()) {
    table_->setColumnCount(h.size());
    table_->setHorizontalHeaderLabels(h);
  }
  table_->setRowCount(int(rows_.size()));
  for (int i = 0; i < int(rows_.size()); ++i) {
    QStringList c = cells(rows_[i], withN);
    for (int j = 0; j < c.size(); ++j) {
      auto* it = new QTableWidgetItem(c[j]);
      if (j == 0) it->setForeground(readableOnWhite(groups_[i].runs.front().color));
      table_->setItem(i, j, it);
    }
  }
}

QString CompareView::exportTable(const QString& path) const {
  const bool md = QFileInfo(path).suffix().toLower() == "md";
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) return QString("cannot write '%1': %2").arg(path, f.errorString());
  const bool withN = groupSeeds();
  f.write((md ? summaryMarkdown(rows_, withN) : summaryCsv(rows_, withN)).toUtf8());
  if (!f.commit()) return QString("cannot write '%1': %2").arg(path, f.errorString());
  return {};
}

}  // namespace udlab::ui
