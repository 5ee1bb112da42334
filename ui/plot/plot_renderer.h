// `udlab-cli plot`: reads run directories and draws them through the figure renderer (figure.h), the
// same one the window's export uses. Needs a QApplication (Qt Charts requires Widgets); the caller
// creates it.
#pragma once
#include <QString>
#include <QStringList>

#include "ui/plot/figure.h"

namespace udlab::ui {

struct PlotRequest {
  QStringList runDirs;
  QString out;  // .png, .svg or .pdf
  FigureRequest figure;
};

// Returns "" on success, else a one-line error. Non-fatal notes (truncated metrics) go to warnings.
QString renderPlot(const PlotRequest& req, QStringList* warnings);

}  // namespace udlab::ui
