#include "ui/plot/plot_renderer.h"

#include <QFileInfo>
#include <map>

#include "core/util/error.h"
#include "ui/charts/chart_theme.h"
#include "core/io/run_reader.h"

namespace udlab::ui {

QString renderPlot(const PlotRequest& req, QStringList* warnings) {
  if (req.runDirs.isEmpty()) return "no run directory given (--run DIR)";
  std::vector<LoadedRunDir> loaded;
  for (auto& dir : req.runDirs) {
    try {
      loaded.push_back(readRunDirectory(dir.toStdString()));
    } catch (const Error& e) {
      return QString::fromUtf8(e.what());
    }
    if (!loaded.back().warning.empty() && warnings) *warnings << dir + ": " + QString::fromStdString(loaded.back().warning);
  }
  // Legends name runs by their label (train --label), else their directory; two alike get the directory too.
  std::vector<RunRef> runs;
  std::map<QString, int> seen;
  for (size_t i = 0; i < loaded.size(); ++i) {
    QString dirName = QFileInfo(QString::fromStdString(loaded[i].dir)).fileName();
    if (dirName.isEmpty()) dirName = QString::fromStdString(loaded[i].dir);
    runs.push_back({int(i) + 1, runLabel(loaded[i].data, dirName), runColor(int(i)), &loaded[i].data});
    ++seen[runs.back().name];
  }
  for (size_t i = 0; i < runs.size(); ++i)
    if (seen[runs[i].name] > 1) runs[i].name += " (" + QFileInfo(QString::fromStdString(loaded[i].dir)).fileName() + ")";
  return renderFigure(req.figure, runs, req.out);
}

}  // namespace udlab::ui
