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

 signals:
  void shownRunsChanged();
  void openRequested();

 private:
  void refreshRow(int id);
  void updateButtons();
  QTreeWidgetItem* item(int id) const;

  RunManager* runs_;
  QTreeWidget* tree_;
  QPushButton *pause_, *resume_, *step_, *edit_, *stop_, *remove_, *openDir_, *load_;
};

}  // namespace udlab::ui
