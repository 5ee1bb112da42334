// The udlab window: a thin shell wiring the experiment form, the runs list and the views (dashboard,
// compare, sample, datasets) to the RunManager. Each piece lives in its own file under ui/.
#pragma once
#include <QMainWindow>
#include <functional>
#include <memory>

#include "core/train/run_config.h"
#include "ui/dashboard/curve_builders.h"
#include "ui/dashboard/redraw_steps.h"
#include "ui/settings/theme_override.h"

class QActionGroup;
class QLabel;
class QTabWidget;

namespace udlab::ui {

class AppSettings;
class CompareView;
class Dashboard;
class DatasetsPanel;
class ExperimentPanel;
class LessonPanel;
class LiveUpdater;
class RunManager;
class RunsPanel;
class SamplePanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // settingsPath "" = the user's settings; tests pass a temporary INI file.
  explicit MainWindow(const QString& settingsPath = QString(), QWidget* parent = nullptr);
  ~MainWindow() override;

  RunManager* runs() const { return runs_; }
  Dashboard* dashboard() const { return dashboard_; }
  CompareView* compareView() const { return compare_; }
  ExperimentPanel* experiment() const { return experiment_; }
  RunsPanel* runsPanel() const { return runsPanel_; }
  LiveUpdater* updater() const { return updater_; }
  QTabWidget* tabs() const { return tabs_; }
  QString lastMessage() const;

  // Starts a run of cfg (named name, "" = from the form). Returns its id, or -1 with a message shown.
  int startRun(const RunConfig& cfg, const QString& name = QString());
  // Loads a run directory; errors are shown in the window. Returns the run id or -1.
  // A run directory, or a sweep directory (with sweep.json): then each of its runs, named by its
  // axis values, as it starts; returns the first run's id (0 when none has started yet) or -1.
  int openRunDirectory(const QString& dir, const QString& name = {});
  int openSweepDirectory(const QString& dir);
  // Called when closing with runs this window started that still train or wait: stop them, leave them
  // training (a later window finds them again), or do not close. Tests replace the dialog.
  enum class CloseChoice { Cancel, Stop, Leave };
  void setCloseConfirmation(std::function<CloseChoice(int activeRuns)> ask) { confirmClose_ = std::move(ask); }
  // Opens the recent runs that are still training (left by a closed window, or a terminal's); returns how many.
  int reopenLiveRuns();
  // Answers "clear the loaded runs?" when a lesson starts (QMessageBox::Yes/No/Cancel); tests set it.
  void setLessonClearAnswer(std::function<int(int loadedRuns)> ask) { askClearForLesson_ = std::move(ask); }
  LessonPanel* lessonPanel() const { return lessonPanel_; }
  // Answers "stop this run?" for Esc on a run that trained over a minute; tests set it.
  void setStopConfirmation(std::function<bool(const QString& name, double seconds)> ask) { confirmStop_ = std::move(ask); }
  void showMessage(const QString& text, bool error);
  void applyLesson(int index);
  // Sets the application palette and the charts' dark flag, ticks the View menu item and saves it.
  void setThemeOverride(ThemeOverride t);
  ThemeOverride themeOverride() const { return theme_; }

 public slots:
  void trainFromForm();
  void stopSelected();
  void openRunDialog();
  void saveConfigDialog();
  void exportDialog();

 protected:
  void closeEvent(QCloseEvent* e) override;
  void changeEvent(QEvent* e) override;

 private:
  void buildMenus();
  RedrawSteps redrawSteps();
  std::vector<RunRef> currentRunRefs();  // the shown runs, named by their labels
  void applyChartStyle();

  std::unique_ptr<AppSettings> settings_;
  RunManager* runs_;
  ExperimentPanel* experiment_;
  RunsPanel* runsPanel_;
  Dashboard* dashboard_;
  CompareView* compare_;
  SamplePanel* sample_;
  DatasetsPanel* datasets_;
  QTabWidget* tabs_;
  QLabel* banner_;
  LiveUpdater* updater_;
  bool teaching_ = false;
  ThemeOverride theme_ = ThemeOverride::System;
  QActionGroup* themeActions_ = nullptr;
  std::function<CloseChoice(int)> confirmClose_;
  QString lastExportDir_;  // file dialogs start here, else in the runs folder
  LessonPanel* lessonPanel_ = nullptr;
  std::function<int(int)> askClearForLesson_;
  std::function<bool(const QString&, double)> confirmStop_;
};

}  // namespace udlab::ui
