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
  Flags f = parse_flags(rest, {"chart", "out", "width", "height", "scale", "step", "style"}, {}, false);
  if (f.help || runs.isEmpty() || !f.has("out")) {
    std::printf(
        "usage: udlab-cli plot --run DIR [--run DIR ...] --out FILE.png|svg|pdf\n"
        "         [--chart loss|grad|norms|eigen|all] [--width PX] [--height PX] [--scale X]\n"
        "         [--step N] [--style teaching|plain]\n"
        "  --chart   which chart (default all: the whole dashboard)\n"
        "  --scale   PNG pixels per point (default 2)\n"
        "  --step    the logged step for norms/eigen (default: the last)\n");
    return f.help ? 0 : 2;
  }
  ui::PlotRequest req;
  req.runDirs = runs;
  req.chart = QString::fromStdString(f.get("chart", "all"));
  req.out = QString::fromStdString(f.get("out"));
  if (f.has("width") || f.has("height"))
    req.size = QSize(f.has("width") ? parse_int("width", f.get("width")) : req.size.width(),
                     f.has("height") ? parse_int("height", f.get("height")) : req.size.height());
  if (req.size.width() < 200 || req.size.height() < 150 || req.size.width() > 10000 || req.size.height() > 10000)
    throw Error("--width/--height must be in 200..10000 and 150..10000");
  if (f.has("scale")) req.scale = parse_double("scale", f.get("scale"));
  if (!(req.scale >= 0.5 && req.scale <= 8)) throw Error("--scale must be in 0.5..8");
  if (f.has("step")) req.eigenStep = parse_int("step", f.get("step"));
  const std::string style = f.get("style", "teaching");
  if (style != "teaching" && style != "plain") throw Error("--style must be teaching or plain");
  req.teaching = style == "teaching";

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
