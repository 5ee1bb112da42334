#include "ui/mainwindow.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QRegularExpression>
#include <QTabWidget>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/sweep/sweep_dir.h"
#include "core/util/error.h"
#include "ui/charts/chart_export.h"
#include "ui/charts/line_chart.h"
#include "ui/engine/sweep_watch.h"
#include "ui/dashboard/dashboard.h"
#include "ui/dashboard/live_updater.h"
#include "core/io/run_reader.h"
#include "ui/engine/run_manager.h"
#include "ui/panels/compare_view.h"
#include "ui/panels/datasets_panel.h"
#include "ui/panels/experiment_panel.h"
#include "ui/panels/lessons.h"
#include "ui/plot/figure.h"
#include "ui/panels/runs_panel.h"
#include "ui/panels/sample_panel.h"
#include "ui/settings/app_settings.h"

namespace udlab::ui {

MainWindow::MainWindow(const QString& settingsPath, QWidget* parent)
    : QMainWindow(parent), settings_(std::make_unique<AppSettings>(settingsPath)) {
  setWindowTitle("udlab");
  runs_ = new RunManager(this);
  experiment_ = new ExperimentPanel;
  runsPanel_ = new RunsPanel(runs_);
  dashboard_ = new Dashboard;
  compare_ = new CompareView;
  sample_ = new SamplePanel;
  datasets_ = new DatasetsPanel;

  auto* left = new QSplitter(Qt::Vertical);
  auto* scroll = new QScrollArea;
  scroll->setWidget(experiment_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(experiment_->sizeHint().width() + 24);
  left->addWidget(scroll);
  left->addWidget(runsPanel_);
  left->setStretchFactor(0, 3);
  left->setStretchFactor(1, 2);
  tabs_ = new QTabWidget;
  tabs_->addTab(dashboard_, "Dashboard");
  tabs_->addTab(compare_, "Compare");
  tabs_->addTab(sample_, "Sample");
  tabs_->addTab(datasets_, "Datasets");
  banner_ = new QLabel;
  banner_->setWordWrap(true);
  banner_->setVisible(false);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* right = new QWidget;
  auto* rl = new QVBoxLayout(right);
  rl->setContentsMargins(0, 0, 0, 0);
  rl->addWidget(banner_);
  lessonPanel_ = new LessonPanel;
  rl->addWidget(lessonPanel_);
  rl->addWidget(tabs_, 1);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(1, 1);
  setCentralWidget(split);

  // The view key: which tab shows and which runs are checked. The updater redraws when it or any run's
  // data version differs from the last frame drawn (the redraw contract, ui/dashboard/live_updater.h).
  auto viewKey = [this] {
    uint64_t k = uint64_t(tabs_->currentIndex() + 1);
    for (int id : runsPanel_->shownRuns()) k = k * 1000003u + uint64_t(id);
    return k;
  };
  updater_ = new LiveUpdater(runs_, [this] { return redrawSteps(); }, viewKey, this);
  connect(tabs_, &QTabWidget::currentChanged, this, [this] { updater_->forceRedraw(); });
  updater_->start();
  connect(runsPanel_, &RunsPanel::shownRunsChanged, this, [this] { updater_->forceRedraw(); });
  connect(runsPanel_, &RunsPanel::openRequested, this, &MainWindow::openRunDialog);
  connect(runsPanel_, &RunsPanel::labelChanged, this, [this] { updater_->forceRedraw(); });
  connect(runsPanel_, &RunsPanel::message, this, &MainWindow::showMessage);
  compare_->setExportFolder(settings_->runsRoot());
  connect(compare_, &CompareView::message, this, &MainWindow::showMessage);
  connect(runs_, &RunManager::runError, this, [this](int id, const QString& m) {
    auto* r = runs_->find(id);
    showMessage(QString("%1: %2").arg(r ? r->name : QString("run"), m), true);
  });
  connect(runs_, &RunManager::runChanged, this, [this](int id) {
    auto* r = runs_->find(id);
    if (!r) return;
    if (r->state == "diverged") showMessage(QString("%1 diverged: %2").arg(r->name, QString::fromStdString(r->data.reason)), true);
    if ((r->state == "finished" || r->state == "cancelled") && !r->dir.isEmpty()) sample_->addRunDirectory(r->dir);
    if (!lessonPanel_->finished()) lessonPanel_->update(*runs_);
  });
  connect(runs_, &RunManager::runRemoved, this, [this] { lessonPanel_->update(*runs_); });
  connect(experiment_, &ExperimentPanel::message, this, [this](const QString& m) { showMessage(m, false); });
  connect(datasets_, &DatasetsPanel::message, this, &MainWindow::showMessage);
  connect(datasets_, &DatasetsPanel::importedFile, this, [this](const QString& path) {
    RunConfig c = experiment_->config();
    c.train.dataset = path.toStdString();
    experiment_->setConfig(c);
  });
  buildMenus();

  // Restore the last configuration and layout; a stale or foreign saved config is ignored with a note.
  if (!settings_->lastConfig().isEmpty()) {
    try {
      experiment_->setConfig(run_config_from_json(nlohmann::json::parse(settings_->lastConfig().toStdString())));
    } catch (const std::exception& e) {
      showMessage(QString("the saved configuration was not restored: %1").arg(e.what()), false);
    }
  }
  if (!settings_->geometry().isEmpty()) restoreGeometry(settings_->geometry());
  else resize(1500, 900);
  teaching_ = settings_->teachingStyle();
  setThemeOverride(themeFromKey(settings_->theme()));
  statusBar()->showMessage("Ready. F5 trains the experiment on the left.");
  if (int n = reopenLiveRuns()) showMessage(QString("following %1 run(s) still training from before").arg(n), false);
}

int MainWindow::reopenLiveRuns() {
  int n = 0;
  for (const QString& dir : settings_->recentRuns()) {
    bool open = false;
    try {
      const auto s = read_json_file(dir.toStdString() + "/status.json");
      const std::string st = s.value("state", std::string());
      open = (st == "running" || st == "paused") && run_dir_liveness_problem(dir.toStdString()).empty();
    } catch (const std::exception&) {
    }
    bool known = false;
    for (auto& r : runs_->runs()) known = known || r->dir == dir;
    if (open && !known && openRunDirectory(dir) >= 0) ++n;
  }
  return n;
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  auto* file = menuBar()->addMenu("&File");
  auto* open = file->addAction("&Open run directory…", this, &MainWindow::openRunDialog);
  open->setShortcut(QKeySequence::Open);
  auto* recent = file->addMenu("Recent runs");
  connect(recent, &QMenu::aboutToShow, this, [this, recent] {
    recent->clear();
    for (auto& d : settings_->recentRuns()) recent->addAction(d, this, [this, d] { openRunDirectory(d); });
    if (recent->isEmpty()) recent->addAction("(none)")->setEnabled(false);
  });
  auto* save = file->addAction("&Save configuration…", this, &MainWindow::saveConfigDialog);
  save->setShortcut(QKeySequence::Save);
  file->addAction("Load configuration…", this, [this] {
    // Like every file dialog here: the last folder used, else the runs folder, never the working directory.
    const QString p = QFileDialog::getOpenFileName(this, "Load configuration",
                                                   lastExportDir_.isEmpty() ? settings_->runsRoot() : lastExportDir_, "JSON (*.json)");
    if (p.isEmpty()) return;
    lastExportDir_ = QFileInfo(p).absolutePath();
    QFile f(p);
    try {
      if (!f.open(QIODevice::ReadOnly)) throw Error("cannot read " + p.toStdString());
      experiment_->setConfig(run_config_from_json(nlohmann::json::parse(f.readAll().toStdString())));
    } catch (const std::exception& e) {
      showMessage(QString("%1: %2").arg(p, e.what()), true);
    }
  });
  auto* exp = file->addAction("&Export chart…", this, &MainWindow::exportDialog);
  exp->setShortcut(QKeySequence("Ctrl+E"));
  file->addSeparator();
  auto* quit = file->addAction("&Quit", this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  auto* run = menuBar()->addMenu("&Run");
  auto* train = run->addAction("&Train", this, &MainWindow::trainFromForm);
  train->setShortcut(QKeySequence(Qt::Key_F5));
  auto* stop = run->addAction("&Stop selected run", this, &MainWindow::stopSelected);
  stop->setShortcut(QKeySequence(Qt::Key_Escape));
  run->addAction("Stop all runs", this, [this] { runs_->stopAll(); });
  run->addAction("Runs at once…", this, [this] {
    bool ok = false;
    int n = QInputDialog::getInt(this, "Runs at once",
                                 "Train at most this many runs at the same time\n(0 = as many as the cores hold, "
                                 "counting each run's threads):",
                                 runs_->maxConcurrent(), 0, 64, 1, &ok);
    if (ok) runs_->setMaxConcurrent(n);
  });

  auto* view = menuBar()->addMenu("&View");
  auto* teach = view->addAction("Teaching style (white, large, thick lines)");
  teach->setCheckable(true);
  teach->setChecked(settings_->teachingStyle());
  connect(teach, &QAction::toggled, this, [this](bool on) {
    teaching_ = on;
    settings_->setTeachingStyle(on);
    applyChartStyle();
  });
  view->addSeparator();
  themeActions_ = new QActionGroup(this);
  themeActions_->setExclusive(true);
  for (auto [t, text] : {std::pair{ThemeOverride::System, "Theme: follow system"}, std::pair{ThemeOverride::Light, "Theme: light"},
                         std::pair{ThemeOverride::Dark, "Theme: dark"}}) {
    auto* a = view->addAction(text);
    a->setCheckable(true);
    a->setData(themeKey(t));
    a->setChecked(t == theme_);
    themeActions_->addAction(a);
    connect(a, &QAction::triggered, this, [this, t = t] { setThemeOverride(t); });
  }

  auto* les = menuBar()->addMenu("&Lessons");
  for (int i = 0; i < int(lessonSet().lessons.size()); ++i)
    les->addAction(QString::fromStdString(lessonSet().lessons[size_t(i)].title), this, [this, i] { applyLesson(i); });
  for (auto& e : lessonSet().errors) showMessage(QString("lesson skipped: %1").arg(QString::fromStdString(e)), true);
}

QString MainWindow::lastMessage() const { return banner_->isVisible() ? banner_->text() : statusBar()->currentMessage(); }

void MainWindow::showMessage(const QString& text, bool error) {
  if (error) {
    banner_->setText(text);
    banner_->setStyleSheet("QLabel { background: #FBE3D6; color: #7A2E00; padding: 6px; border: 1px solid #D55E00; }");
    banner_->setVisible(true);
    QTimer::singleShot(15000, banner_, [b = banner_, text] {
      if (b->text() == text) b->setVisible(false);
    });
  }
  statusBar()->showMessage(text, 10000);
}

int MainWindow::startRun(const RunConfig& cfg, const QString& name) {
  try {
    validate(cfg);
  } catch (const std::exception& e) {
    showMessage(QString("cannot start: %1").arg(e.what()), true);
    return -1;
  }
  QString runName = name.isEmpty() ? experiment_->runName() : name;
  runName = runName.simplified();  // one line of <= 80 bytes: it is the run's label in run_info.json too
  while (runName.toUtf8().size() > 80) runName.chop(1);
  QString safe = runName;
  safe.replace(QRegularExpression("[^A-Za-z0-9_.-]+"), "_");
  const QString root = settings_->runsRoot();
  const QString base = QDir(root).filePath(QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss-zzz") + "-" + safe);
  // Two runs of one name started in the same millisecond (a lesson, a script) would share a
  // directory; mkdir fails when it exists, so the first free suffix wins without a race.
  QString dir = base;
  bool made = QDir().mkpath(root);
  if (made) {
    made = false;
    for (int k = 1; k <= 100 && !made; ++k) {
      dir = k == 1 ? base : QString("%1-%2").arg(base).arg(k);
      made = QDir().mkdir(dir);
    }
  }
  if (!made) {
    showMessage(QString("cannot create the run directory %1").arg(dir), true);
    return -1;
  }
  settings_->setLastConfig(QString::fromStdString(to_json(cfg).dump()));
  settings_->addRecentRun(dir);
  const int id = runs_->addRun(runName, to_json(cfg), dir, cfg.train.steps);
  showMessage(QString("started %1 → %2").arg(runName, dir), false);
  return id;
}

void MainWindow::trainFromForm() { startRun(experiment_->config()); }

void MainWindow::stopSelected() {
  const int id = runsPanel_->selectedRun();
  RunEntry* r = runs_->find(id);
  if (!r) return;
  // Esc is easy to hit: a run that has trained for over a minute is only stopped after a question.
  const Series* wall = r->data.series(Metric::WallTime);
  const double trained = wall && wall->size() ? wall->y.back() : 0.0;
  if (trained > 60 && (r->state == "running" || r->state == "paused")) {
    const bool stop = confirmStop_ ? confirmStop_(r->name, trained)
                                   : QMessageBox::question(this, "Stop run",
                                                           QString("Stop %1? It has trained for %2 min (it keeps its checkpoint "
                                                                   "and can be resumed with udlab-cli train --resume).")
                                                               .arg(r->name)
                                                               .arg(trained / 60, 0, 'f', 1),
                                                           QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) == QMessageBox::Yes;
    if (!stop) return;
  }
  runs_->stop(id);
}

int MainWindow::openRunDirectory(const QString& dir, const QString& runName) {
  if (has_sweep_json(dir.toStdString())) return openSweepDirectory(dir);
  try {
    auto loaded = readRunDirectory(dir.toStdString());
    const QString name = runName.isEmpty() ? QFileInfo(dir).fileName() : runName;
    const QString warning = QString::fromStdString(loaded.warning);
    int id = runs_->addLoaded(name, std::move(loaded.data), dir, warning, loaded.metricsBytes);
    settings_->addRecentRun(dir);
    sample_->addRunDirectory(dir);
    showMessage(warning.isEmpty() ? QString("opened %1").arg(dir) : QString("opened %1 (%2)").arg(dir, warning), false);
    updater_->forceRedraw();
    return id;
  } catch (const std::exception& e) {
    showMessage(QString("cannot open run: %1").arg(e.what()), true);
    return -1;
  }
}

int MainWindow::openSweepDirectory(const QString& dir) {
  SweepWatch* watch = nullptr;
  try {
    watch = new SweepWatch(dir, this);
  } catch (const std::exception& e) {
    showMessage(QString("cannot open sweep: %1").arg(e.what()), true);
    return -1;
  }
  int first = 0;
  connect(watch, &SweepWatch::runReady, this, [this, &first](const QString& run, const QString& name) {
    const int id = openRunDirectory(run, name);
    if (!first && id > 0) first = id;
  });
  watch->poll();
  disconnect(watch, &SweepWatch::runReady, this, nullptr);
  connect(watch, &SweepWatch::runReady, this, [this](const QString& run, const QString& name) { openRunDirectory(run, name); });
  // Repeats of one point differ only by seed: show them folded into mean ± band.
  if (watch->hasSeedAxis()) compare_->setGroupSeeds(true);
  settings_->addRecentRun(dir);
  showMessage(QString("opened sweep %1: %2 points along %3%4")
                  .arg(dir)
                  .arg(watch->points())
                  .arg(watch->axes().join(", "))
                  .arg(watch->done() ? "" : "; runs appear as they start"),
              false);
  return first;
}

void MainWindow::openRunDialog() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Open a run directory", settings_->runsRoot());
  if (!dir.isEmpty()) openRunDirectory(dir);
}

void MainWindow::saveConfigDialog() {
  const QString folder = lastExportDir_.isEmpty() ? settings_->runsRoot() : lastExportDir_;
  const QString p = QFileDialog::getSaveFileName(this, "Save configuration", QDir(folder).filePath("config.json"), "JSON (*.json)");
  if (p.isEmpty()) return;
  lastExportDir_ = QFileInfo(p).absolutePath();
  QSaveFile f(p);
  if (!f.open(QIODevice::WriteOnly)) return showMessage(QString("cannot write %1: %2").arg(p, f.errorString()), true);
  f.write(QByteArray::fromStdString(to_json(experiment_->config()).dump(2) + "\n"));
  if (!f.commit()) return showMessage(QString("cannot write %1: %2").arg(p, f.errorString()), true);
  showMessage("saved " + p + " (udlab-cli train --config " + p + " runs it headless)", false);
}

void MainWindow::exportDialog() {
  // The dashboard and its charts go through the figure renderer (ui/plot/figure.h), the one
  // `udlab-cli plot` uses: a size by purpose, charts only, one legend of run labels. So do the
  // compare view's overlay and small multiples, with the view's metric, x axis and seed grouping.
  static const std::vector<std::pair<QString, QString>> figures = {
      {"whole dashboard", "all"}, {"loss", "loss"}, {"gradient norm", "grad"}, {"norms over t", "norms"},
      {"membership error", "membership"}, {"eigenvalues", "eigen"}};
  QStringList names;
  for (auto& f : figures) names << f.first;
  auto ex = dashboard_->exportables();
  for (auto& e : ex) names << "data (CSV): " + e.name;
  names << "compare: overlay" << "compare: small multiples";
  bool ok = false;
  const QString which = QInputDialog::getItem(this, "Export", "What to export:", names, 0, false, &ok);
  if (!ok) return;
  const QString folder = lastExportDir_.isEmpty() ? settings_->runsRoot() : lastExportDir_;
  const bool csv = which.startsWith("data (CSV): ");
  const QString base = csv ? which.mid(12) : which.section(':', -1).trimmed().replace(' ', '_');
  const QString filter = csv ? "CSV data (*.csv)" : "PDF (*.pdf);;SVG (*.svg);;PNG (*.png)";
  const QString path = QFileDialog::getSaveFileName(this, "Export " + which, QDir(folder).filePath(base + (csv ? ".csv" : ".pdf")), filter);
  if (path.isEmpty()) return;
  lastExportDir_ = QFileInfo(path).absolutePath();
  QString err;
  if (csv) {
    for (auto& e : ex)
      if ("data (CSV): " + e.name == which) err = exportCsv(path, e.csv);
    return err.isEmpty() ? showMessage("wrote " + path, false) : showMessage(err, true);
  }
  const bool png = path.endsWith(".png", Qt::CaseInsensitive);
  FigureRequest req;
  for (auto& f : figures)
    if (f.first == which) req.chart = f.second;
  if (which.startsWith("compare")) req.chart = which == "compare: overlay" ? "compare" : "multiples";
  QStringList sizes = figureSizeNames();
  sizes << "as on screen";
  const QString size = QInputDialog::getItem(this, "Figure size",
                                             "Size (slide 13.33×7.5 in, slide43 10×7.5 in, column 3.5 in, page 6.5 in wide):",
                                             sizes, 0, false, &ok);
  if (!ok) return;
  const QSize screen = req.chart == "compare"     ? compare_->overlay()->size()
                      : req.chart == "multiples" ? compare_->multiplesArea()->size()
                                                 : dashboard_->chartsArea()->size();
  err = parseFigureSize(size == "as on screen" ? QString("%1x%2px").arg(screen.width()).arg(screen.height()) : size,
                        figureHasManyCharts(req.chart), &req.size);
  if (err.isEmpty() && png) {
    req.dpi = QInputDialog::getInt(this, "PNG resolution", "Dots per inch (150–200 for slides, 300+ for print):", 200, 30, 1200, 50, &ok);
    if (!ok) return;
  }
  if (err.isEmpty()) {
    if (req.chart == "compare" || req.chart == "multiples")
      compare_->fillFigureRequest(&req);
    else
      dashboard_->fillFigureRequest(&req);
    err = renderFigure(req, currentRunRefs(), path);
  }
  err.isEmpty() ? showMessage("wrote " + path, false) : showMessage(err, true);
}

std::vector<RunRef> MainWindow::currentRunRefs() {
  std::vector<RunRef> refs;
  for (int id : runsPanel_->shownRuns())
    if (auto* r = runs_->find(id)) refs.push_back({r->id, runLabel(r->data, r->name), r->color, &r->data});
  return refs;
}

void MainWindow::applyLesson(int index) {
  const auto& set = lessonSet();
  if (index < 0 || index >= int(set.lessons.size())) return;
  const Lesson& l = set.lessons[size_t(index)];
  // A lesson compares its own runs: offer to clear what is loaded (runs still training are kept).
  std::vector<int> clearable;
  for (auto& r : runs_->runs())
    if (r->state != "running" && r->state != "paused" && r->state != "queued") clearable.push_back(r->id);
  if (!clearable.empty()) {
    const int answer = askClearForLesson_ ? askClearForLesson_(int(clearable.size()))
                                          : QMessageBox::question(this, "Start lesson",
                                                                  QString("Clear the %1 loaded run(s) first, so the charts show only this "
                                                                          "lesson's runs? (Their directories stay on disk.)")
                                                                      .arg(clearable.size()),
                                                                  QMessageBox::Yes | QMessageBox::No | QMessageBox::Cancel, QMessageBox::Yes);
    if (answer == QMessageBox::Cancel) return;
    if (answer == QMessageBox::Yes)
      for (int id : clearable) runs_->remove(id);
  }
  std::map<std::string, int> ids;
  int started = 0;
  for (auto& run : l.runs) {
    RunConfig c;
    try {
      apply_json(c, run.config);
    } catch (const std::exception& e) {
      showMessage(QString("lesson '%1': %2").arg(QString::fromStdString(l.title), e.what()), true);
      continue;
    }
    // A lesson's runs are compared live, side by side: they share the cores rather than queue.
    if (c.train.threads == 0) c.train.threads = std::max(1, QThread::idealThreadCount() / int(l.runs.size()));
    if (started == 0) experiment_->setConfig(c);
    const int id = startRun(c, QString::fromStdString(run.name));
    if (id >= 0) ++started, ids[run.name] = id;
  }
  dashboard_->setLossMetric(l.metric == "accuracy" ? LossMetric::Accuracy : l.metric == "bpc" ? LossMetric::Bpc : LossMetric::Loss);
  lessonPanel_->start(l, std::move(ids));
  lessonPanel_->update(*runs_);
  tabs_->setCurrentWidget(l.view == "compare" ? static_cast<QWidget*>(compare_) : dashboard_);
  showMessage(QString("Lesson: %1.").arg(QString::fromStdString(l.title)), false);
}

RedrawSteps MainWindow::redrawSteps() {
  std::vector<RunRef> refs = currentRunRefs();
  // Only the visible view redraws; the other catches up when shown.
  if (tabs_->currentWidget() == dashboard_) return dashboard_->stageRuns(std::move(refs));
  if (tabs_->currentWidget() == compare_) return compare_->stageRuns(std::move(refs));
  return {};
}

void MainWindow::setThemeOverride(ThemeOverride t) {
  theme_ = t;
  settings_->setTheme(themeKey(t));
  if (themeActions_)
    for (auto* a : themeActions_->actions()) a->setChecked(a->data().toString() == themeKey(t));
  // The palette change reaches changeEvent, which restyles the charts; call it here too in case the
  // palette was already the one asked for.
  applyThemeOverride(t);
  applyChartStyle();
}

void MainWindow::applyChartStyle() {
  ChartStyle s;
  s.teaching = teaching_;
  s.dark = theme_ == ThemeOverride::Dark || (theme_ == ThemeOverride::System && systemIsDark(this));
  dashboard_->setChartStyle(s);
  compare_->setChartStyle(s);
}

void MainWindow::changeEvent(QEvent* e) {
  if (e->type() == QEvent::PaletteChange || e->type() == QEvent::ApplicationPaletteChange) applyChartStyle();
  QMainWindow::changeEvent(e);
}

void MainWindow::closeEvent(QCloseEvent* e) {
  const int active = runs_->activeCount();
  if (active > 0) {
    CloseChoice choice = CloseChoice::Cancel;
    if (confirmClose_) {
      choice = confirmClose_(active);
    } else {
      QMessageBox box(QMessageBox::Question, "Runs are active",
                      QString("%1 run(s) are still training or queued.\n\nStop them: each saves a checkpoint and can "
                              "be resumed later.\nLeave them training: they go on without this window; opening "
                              "udlab again follows them.")
                          .arg(active),
                      QMessageBox::Cancel, this);
      QAbstractButton* stop = box.addButton("Stop them", QMessageBox::DestructiveRole);
      QAbstractButton* leave = box.addButton("Leave them training", QMessageBox::AcceptRole);
      box.setDefaultButton(QMessageBox::Cancel);
      box.exec();
      choice = box.clickedButton() == stop ? CloseChoice::Stop : box.clickedButton() == leave ? CloseChoice::Leave : CloseChoice::Cancel;
    }
    if (choice == CloseChoice::Cancel) {
      e->ignore();
      return;
    }
    // Queued runs never start once the window is gone: they are cancelled either way.
    for (auto& r : runs_->runs())
      if (r->own && !r->process && r->state == "queued") runs_->stop(r->id);
    if (choice == CloseChoice::Stop) runs_->stopAll();  // each child checkpoints and exits on its own
    runs_->leaveAll();
  }
  settings_->setGeometry(saveGeometry());
  settings_->setLastConfig(QString::fromStdString(to_json(experiment_->config()).dump()));
  settings_->sync();
  e->accept();
}

}  // namespace udlab::ui
