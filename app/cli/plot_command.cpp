// udlab-cli plot: renders run directories' charts to PNG, SVG or PDF with no display, through the
// same chart code as the desktop app. Qt Charts needs a QApplication, so one is created here, on the
// offscreen platform, for this command only; every other subcommand stays QCoreApplication-free.
#include <QApplication>
#include <QStringList>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/command.h"
#include "cli/flags.h"
#include "core/util/error.h"
#include "ui/plot/plot_renderer.h"

namespace udlab::cli {
namespace {

int run_plot(const std::vector<std::string>& args) {
  // --run may repeat, which Flags (a map) cannot hold: collect those first.
  QStringList runs;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--run" && i + 1 < args.size()) {
      runs << QString::fromStdString(args[++i]);
    } else if (args[i].rfind("--run=", 0) == 0) {
      runs << QString::fromStdString(args[i].substr(6));
    } else {
      rest.push_back(args[i]);
    }
  }
  Flags f = parse_flags(rest, {"chart", "out", "size", "dpi", "width", "height", "scale", "step", "style", "metric", "x"}, {"group-seeds"},
                        false);
  if (f.help || runs.isEmpty() || !f.has("out")) {
    std::printf(
        "usage: udlab-cli plot --run DIR [--run DIR ...] --out FILE.png|svg|pdf\n"
        "         [--chart loss|grad|norms|membership|eigen|all|compare|multiples] [--size SIZE] [--dpi N]\n"
        "         [--step N] [--metric loss|ppl|bpc|accuracy] [--style teaching|plain]\n"
        "         [--x steps|tokens|wall|params] [--group-seeds]\n"
        "  --chart   which chart (default all: every chart with data, in a grid chosen for the size);\n"
        "            compare and multiples are the window's compare view: all runs on one chart, one per run\n"
        "  --x       compare/multiples x axis: steps, tokens seen, wall time, or params (compare: final\n"
        "            validation value against parameter count, one point per run)\n"
        "  --group-seeds  compare/multiples: runs differing only by seed as one mean line with a +-std band\n"
        "  --size    slide (13.33x7.5 in, 16:9; the default), slide43 (10x7.5 in), column (3.5 in wide),\n"
        "            page (6.5 in wide), or WxH with px or in: 1600x900px, 8x4.5in\n"
        "  --dpi     PNG pixels per inch (default 200); PDF and SVG are vector\n"
        "  --step    the logged step for norms/eigen (default: the last)\n"
        "Legends use each run's label (udlab-cli train --label, run_info.json), else its directory name.\n");
    return f.help ? 0 : 2;
  }
  ui::PlotRequest req;
  req.runDirs = runs;
  req.out = QString::fromStdString(f.get("out"));
  ui::FigureRequest& fig = req.figure;
  fig.chart = QString::fromStdString(f.get("chart", "all"));
  if (!ui::figureChartNames().contains(fig.chart))
    throw Error("unknown --chart '" + f.get("chart") + "' (use " + ui::figureChartNames().join(", ").toStdString() + ")");
  QString size = QString::fromStdString(f.get("size", "slide"));
  if (f.has("width") || f.has("height")) {  // the older spelling of a size in pixels
    if (f.has("size")) throw Error("give --size or --width/--height, not both");
    size = QString("%1x%2px").arg(f.has("width") ? parse_int("width", f.get("width")) : 1400)
               .arg(f.has("height") ? parse_int("height", f.get("height")) : 800);
  }
  const QString sizeErr = ui::parseFigureSize(size, ui::figureHasManyCharts(fig.chart), &fig.size);
  if (!sizeErr.isEmpty()) throw Error("--size: " + sizeErr.toStdString());
  if (f.has("dpi")) fig.dpi = parse_int("dpi", f.get("dpi"));
  if (f.has("scale")) fig.dpi = int(parse_double("scale", f.get("scale")) * 96);  // older: pixels per point
  if (!(fig.dpi >= 30 && fig.dpi <= 1200)) throw Error("--dpi must be in 30..1200");
  if (f.has("step")) fig.step = parse_int("step", f.get("step"));
  const std::string metric = f.get("metric", "loss");
  if (metric == "loss") fig.metric = ui::LossMetric::Loss;
  else if (metric == "ppl") fig.metric = ui::LossMetric::Perplexity;
  else if (metric == "bpc") fig.metric = ui::LossMetric::Bpc;
  else if (metric == "accuracy") fig.metric = ui::LossMetric::Accuracy;
  else throw Error("--metric must be loss, ppl, bpc or accuracy");
  if (f.has("x")) {
    const QString xErr = ui::parseXAxis(QString::fromStdString(f.get("x")), &fig.xAxis);
    if (!xErr.isEmpty()) throw Error("--x: " + xErr.toStdString());
  }
  fig.groupSeeds = f.has("group-seeds");
  const std::string style = f.get("style", "teaching");
  if (style != "teaching" && style != "plain") throw Error("--style must be teaching or plain");
  fig.teaching = style == "teaching";

  // No display needed: the offscreen platform renders everything in memory.
  if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
  static int argc = 1;
  static char arg0[] = "udlab-cli";
  static char* argv[] = {arg0, nullptr};
  std::unique_ptr<QApplication> app;
  if (!QCoreApplication::instance()) app = std::make_unique<QApplication>(argc, argv);
  QStringList warnings;
  QString err = ui::renderPlot(req, &warnings);
  for (auto& w : warnings) std::fprintf(stderr, "udlab-cli plot: warning: %s\n", qPrintable(w));
  if (!err.isEmpty()) throw Error(err.toStdString());
  std::printf("wrote %s\n", qPrintable(req.out));
  return 0;
}

CommandRegistrar reg({"plot", "render a run's charts to PNG, SVG or PDF (no display needed)", run_plot});

}  // namespace
}  // namespace udlab::cli
