// Renders run directories' charts to a file with no window (udlab-cli plot), using exactly the
// dashboard's chart code. Needs a QApplication (Qt Charts requires Widgets); the caller creates it.
#pragma once
#include <QSize>
#include <QString>
#include <QStringList>

namespace udlab::ui {

struct PlotRequest {
  QStringList runDirs;
  QString chart = "all";  // loss | grad | norms | eigen | all
  QString out;            // .png, .svg or .pdf
  QSize size{1400, 800};
  double scale = 2.0;     // PNG device pixel ratio
  bool teaching = true;   // white, large fonts, thick lines: figures are for slides
  int eigenStep = -1;     // -1 = the last logged step
};

// Returns "" on success, else a one-line error. Non-fatal notes (truncated metrics) go to warnings.
QString renderPlot(const PlotRequest& req, QStringList* warnings);

}  // namespace udlab::ui
