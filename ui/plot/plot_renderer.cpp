#include "ui/plot/plot_renderer.h"

#include <QApplication>
#include <QFileInfo>
#include <QHBoxLayout>
#include <memory>

#include "core/util/error.h"
#include "ui/charts/chart_export.h"
#include "ui/charts/complex_plane_chart.h"
#include "ui/charts/line_chart.h"
#include "ui/dashboard/curve_builders.h"
#include "ui/dashboard/dashboard.h"
#include "ui/engine/run_directory_reader.h"

namespace udlab::ui {

QString renderPlot(const PlotRequest& req, QStringList* warnings) {
  static const QStringList kinds{"loss", "grad", "norms", "eigen", "all"};
  if (!kinds.contains(req.chart)) return QString("unknown chart '%1' (use loss, grad, norms, eigen or all)").arg(req.chart);
  if (req.runDirs.isEmpty()) return "no run directory given (--run DIR)";
  if (imageFormatFor(req.out) == ImageFormat::Unknown) return QString("unknown output format '%1' (use .png, .svg or .pdf)").arg(req.out);
  std::vector<LoadedRun> loaded;
  for (auto& dir : req.runDirs) {
    try {
      loaded.push_back(readRunDirectory(dir.toStdString()));
    } catch (const Error& e) {
      return QString::fromUtf8(e.what());
    }
    if (!loaded.back().warning.empty() && warnings) *warnings << dir + ": " + QString::fromStdString(loaded.back().warning);
  }
  std::vector<RunRef> runs;
  for (size_t i = 0; i < loaded.size(); ++i) {
    QString name = QFileInfo(QString::fromStdString(loaded[i].dir)).fileName();
    if (name.isEmpty()) name = QString::fromStdString(loaded[i].dir);
    runs.push_back({int(i) + 1, name, runColor(int(i)), &loaded[i].data});
  }
  ChartStyle style;
  style.teaching = req.teaching;
  style.dark = false;

  std::unique_ptr<QWidget> top;
  std::vector<QWidget*> toRefresh;
  auto lineChart = [&](QWidget* parent, const QString& title, const QString& xt, const QString& yt, bool log,
                       std::vector<Curve> curves, double smoothing) {
    auto* c = new LineChart(parent);
    c->setChartStyle(style);
    c->setTitle(title);
    c->setAxisTitles(xt, yt);
    c->setLogY(log);
    c->setSmoothing(smoothing);
    c->setCurves(std::move(curves));
    return c;
  };
  Dashboard* dash = nullptr;
  if (req.chart == "all") {
    dash = new Dashboard;
    top.reset(dash);
    dash->setChartStyle(style);
    dash->setRuns(runs);
    dash->setEigenStep(req.eigenStep);
  } else if (req.chart == "loss") {
    top.reset(lineChart(nullptr, "Loss", "step", "loss (nats)", false, lossCurves(runs, LossMetric::Loss), 0.6));
  } else if (req.chart == "grad") {
    top.reset(lineChart(nullptr, "Gradient norm", "step", "‖∇θ L‖", true, gradCurves(runs, true), 0.6));
  } else if (req.chart == "norms") {
    top.reset(new QWidget);
    auto* h = new QHBoxLayout(top.get());
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(lineChart(top.get(), "Hidden-state norm", "time position t", "‖h_t‖", false,
                           stateNormCurves(runs, req.eigenStep), 0));
    h->addWidget(lineChart(top.get(), "Gradient through time", "time position t", "‖∂L/∂h_t‖", true,
                           stateGradCurves(runs, req.eigenStep), 0));
  } else {
    auto* c = new ComplexPlaneChart;
    c->setChartStyle(style);
    EigenView v = eigenView(runs, req.eigenStep);
    c->setTitle(v.step >= 0 ? QString("Eigenvalues at step %1").arg(v.step) : QString("Eigenvalues (none logged)"));
    c->setPointSets(std::move(v.sets));
    c->setRings(std::move(v.rings));
    top.reset(c);
  }
  QWidget* target = dash ? dash->chartsArea() : top.get();
  top->setAttribute(Qt::WA_DontShowOnScreen);
  top->resize(req.size.width(), req.size.height() + (dash ? 40 : 0));
  top->show();
  // Two passes: the first lays widgets out so the charts know their plot areas (decimation columns,
  // square complex plane); the second redraws with those sizes.
  for (int pass = 0; pass < 2; ++pass) {
    QApplication::processEvents();
    if (dash) dash->refresh();
    for (auto* lc : top->findChildren<LineChart*>()) lc->refresh();
    if (auto* lc = qobject_cast<LineChart*>(top.get())) lc->refresh();
    for (auto* cc : top->findChildren<ComplexPlaneChart*>()) cc->refresh();
    if (auto* cc = qobject_cast<ComplexPlaneChart*>(top.get())) cc->refresh();
  }
  QApplication::processEvents();
  ExportOptions opts;
  opts.pngScale = req.scale;
  return exportWidget(target, req.out, opts);
}

}  // namespace udlab::ui
