// udlab: the desktop laboratory. Composition root: application identity (for QSettings), command line,
// then the main window. Everything else lives in ui/.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include "core/util/omp_env.h"
#include "ui/mainwindow.h"

int main(int argc, char** argv) {
  udlab::reexec_with_passive_omp(argv);  // before anything else: libgomp has read its env already
  QApplication app(argc, argv);
  QApplication::setOrganizationName("udlab");
  QApplication::setApplicationName("udlab");
  QApplication::setApplicationVersion(UDLAB_VERSION);
  // Matches resources/io.github.udlab.udlab.desktop, so docks and task bars find the entry and its icon.
  QGuiApplication::setDesktopFileName("io.github.udlab.udlab");
  QApplication::setWindowIcon(QIcon::fromTheme("io.github.udlab.udlab", QIcon(":/icons/udlab.svg")));
  QCommandLineParser p;
  p.setApplicationDescription("udlab: train and compare sequence models whose hidden states live on subgroups of U(d).");
  p.addHelpOption();
  p.addVersionOption();
  QCommandLineOption settings("settings", "Use this INI file for settings instead of the user's.", "file");
  p.addOption(settings);
  QCommandLineOption train("train", "Start training the experiment in the form (the last configuration, or the default) at once.");
  p.addOption(train);
  p.addPositionalArgument("run", "Run directories to open.", "[run...]");
  p.process(app);
  udlab::ui::MainWindow w(p.value(settings));
  for (auto& dir : p.positionalArguments()) w.openRunDirectory(dir);
  w.show();
  if (p.isSet(train)) QMetaObject::invokeMethod(&w, &udlab::ui::MainWindow::trainFromForm, Qt::QueuedConnection);
  return app.exec();
}
