// The runs list: colour, name, state, progress, throughput, and the controls for the selected run.
// A run's checkbox decides whether the dashboard and the compare view show it.
#pragma once
#include <QWidget>
#include <vector>

class QTreeWidget;
class QTreeWidgetItem;
class QPushButton;

namespace udlab::ui {

class RunManager;

class RunsPanel : public QWidget {
  Q_OBJECT
 public:
  RunsPanel(RunManager* runs, QWidget* parent = nullptr);
  std::vector<int> shownRuns() const;  // checked, in list order
  int selectedRun() const;             // -1 = none
  void select(int id);
  // Opens the hot-edit dialog for the selected run and applies what it returns.
  void editSelected();
  // Gives a run a new human label (legends, tables, lessons), checked as `udlab-cli train --label`
  // checks it (one line, <= 80 bytes), written into its run_info.json atomically and into the window's
  // copy. Returns "" or a one-line error; nothing changes on an error.
  QString relabel(int id, const QString& label);
  // Asks for the selected run's label (the "Label…" button, double-click on the name) and applies it.
  void relabelSelected();

 signals:
  void shownRunsChanged();
  void openRequested();
  void labelChanged(int id);
  void message(const QString& text, bool error);

 private:
  void refreshRow(int id);
  void updateButtons();
  QTreeWidgetItem* item(int id) const;

  RunManager* runs_;
  QTreeWidget* tree_;
  QPushButton *pause_, *resume_, *step_, *edit_, *label_, *stop_, *remove_, *openDir_, *load_;
};

}  // namespace udlab::ui
