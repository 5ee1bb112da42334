// The one figure renderer: the window's export and `udlab-cli plot` both draw through it. A figure is
// charts only (no buttons, sliders or combo boxes), laid out in a grid chosen for its size, with one
// legend of run labels above the charts instead of one inside each, at a size given by purpose
// (figure_size.h), written as vector PDF/SVG or PNG at a chosen dpi.
#pragma once
#include <QString>
#include <QWidget>
#include <memory>
#include <vector>

#include "ui/dashboard/compare_curves.h"
#include "ui/plot/figure_size.h"

class QLabel;

namespace udlab::ui {

struct FigureRequest {
  QString chart = "all";  // loss | grad | norms | membership | eigen | all (every chart with data) | compare | multiples
  FigureSize size;        // default: slide
  int dpi = 200;          // PNG only
  bool teaching = true;   // white, black text: figures are for slides and papers
  int step = -1;          // the logged step for profiles and eigenvalues; -1 = the last
  LossMetric metric = LossMetric::Loss;
  double smoothing = 0.6;
  bool perTensor = false;  // per-tensor gradient lines (the window's choice); off keeps the figure legible
  // The compare view's charts: "compare" (every run's metric on one chart, or the summary scatter
  // against parameters) and "multiples" (one chart per run on shared axes).
  XAxis xAxis = XAxis::Step;
  bool groupSeeds = false;  // runs differing only by seed as one mean curve with a band
  SeedBand band = SeedBand::Std;
};

QStringList figureChartNames();
// "all", "norms" and "multiples" draw several charts: their column and page sizes are taller (figure_size.h).
bool figureHasManyCharts(const QString& chart);

// The figure as a widget tree, laid out at req.size.logical(). Its cells are the chart widgets.
class Figure : public QWidget {
 public:
  const std::vector<QWidget*>& cells() const { return cells_; }
  QLabel* legend() const { return legend_; }
  QSize grid() const { return grid_; }  // columns × rows

 private:
  friend std::unique_ptr<Figure> buildFigure(const FigureRequest&, const std::vector<RunRef>&, QString*);
  std::vector<QWidget*> cells_;
  QLabel* legend_ = nullptr;
  QSize grid_;
};

// Columns × rows for n charts on a w × h canvas: the grid whose smallest cell is largest (cells
// count as a little wider than tall, as charts are).
QSize chooseFigureGrid(int n, int w, int h);

// Builds, shows offscreen and lays out the figure (null and *error on a bad request).
std::unique_ptr<Figure> buildFigure(const FigureRequest& req, const std::vector<RunRef>& runs, QString* error);
// Builds the figure and writes it to `out` (.png, .svg, .pdf). Returns "" or a one-line error.
QString renderFigure(const FigureRequest& req, const std::vector<RunRef>& runs, const QString& out);

}  // namespace udlab::ui
