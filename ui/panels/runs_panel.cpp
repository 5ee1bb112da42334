#include "ui/panels/runs_panel.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QInputDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPixmap>
#include <QPushButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include "core/io/run_dir.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "ui/engine/run_manager.h"
#include "ui/panels/compare_view.h"
#include "ui/panels/hot_edit_dialog.h"

namespace udlab::ui {

RunsPanel::RunsPanel(RunManager* runs, QWidget* parent) : QWidget(parent), runs_(runs) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  tree_ = new QTreeWidget;
  tree_->setHeaderLabels({"Run", "State", "Step", "tokens/s"});
  tree_->setRootIsDecorated(false);
  tree_->setToolTip("Every run with its colour (the same in every chart). Tick a run to show it in the charts.");
  tree_->header()->setStretchLastSection(false);
  tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  for (int c = 1; c < 4; ++c) tree_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
  lay->addWidget(tree_, 1);
  auto* row = new QHBoxLayout;
  pause_ = new QPushButton("Pause");
  pause_->setToolTip("Pause the selected run after its current step; its state stays in memory.");
  resume_ = new QPushButton("Resume");
  resume_->setToolTip("Continue the selected paused run, or train a cancelled or crashed run on from its last "
                      "checkpoint (udlab-cli train --resume).");
  step_ = new QPushButton("Step");
  step_->setToolTip("Take one training step (one batch) of the selected paused run, then stay paused: watch a "
                    "single update move the curves and eigenvalues.");
  edit_ = new QPushButton("Edit…");
  edit_->setToolTip("Change the selected run's learning rate, clipping, weight decay or LR floor while it trains "
                    "(or before it starts, if queued); applied before its next step and marked on the curves.");
  label_ = new QPushButton("Label…");
  label_->setToolTip("Rename the selected run: its label in legends, tables and figures (kept in its run_info.json, "
                     "as `udlab-cli train --label` sets it). Double-clicking a run's name does the same.");
  stop_ = new QPushButton("Stop");
  stop_->setToolTip("Cancel the selected run (Esc). It leaves a valid run directory with a checkpoint.");
  remove_ = new QPushButton("Remove");
  remove_->setToolTip("Remove the selected run from the list (its directory stays on disk).");
  openDir_ = new QPushButton("Folder");
  openDir_->setToolTip("Open the selected run's directory in the file manager.");
  load_ = new QPushButton("Open…");
  load_->setToolTip("Open a run directory from disk, made by udlab or udlab-cli (Ctrl+O).");
  for (auto* b : {pause_, resume_, step_, edit_, label_, stop_, remove_, openDir_, load_}) row->addWidget(b);
  lay->addLayout(row);

  connect(runs_, &RunManager::runAdded, this, [this](int id) {
    auto* it = new QTreeWidgetItem(tree_);
    it->setData(0, Qt::UserRole, id);
    it->setCheckState(0, Qt::Checked);
    refreshRow(id);
    tree_->setCurrentItem(it);
    emit shownRunsChanged();
  });
  connect(runs_, &RunManager::runChanged, this, [this](int id) {
    refreshRow(id);
    updateButtons();
  });
  connect(runs_, &RunManager::runRemoved, this, [this](int id) {
    delete item(id);
    emit shownRunsChanged();
  });
  connect(tree_, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem*, int col) {
    if (col == 0) emit shownRunsChanged();
  });
  connect(tree_, &QTreeWidget::currentItemChanged, this, [this] { updateButtons(); });
  connect(pause_, &QPushButton::clicked, this, [this] { runs_->pause(selectedRun()); });
  connect(resume_, &QPushButton::clicked, this, [this] { runs_->resume(selectedRun()); });
  connect(step_, &QPushButton::clicked, this, [this] { runs_->step(selectedRun()); });
  connect(edit_, &QPushButton::clicked, this, &RunsPanel::editSelected);
  connect(label_, &QPushButton::clicked, this, &RunsPanel::relabelSelected);
  connect(tree_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem*, int col) {
    if (col == 0) relabelSelected();
  });
  connect(stop_, &QPushButton::clicked, this, [this] { runs_->stop(selectedRun()); });
  connect(remove_, &QPushButton::clicked, this, [this] {
    const int id = selectedRun();
    if (auto* r = runs_->find(id); r && !r->process && r->state != "running" && r->state != "paused") runs_->remove(id);
  });
  connect(openDir_, &QPushButton::clicked, this, [this] {
    if (auto* r = runs_->find(selectedRun()); r && !r->dir.isEmpty()) QDesktopServices::openUrl(QUrl::fromLocalFile(r->dir));
  });
  connect(load_, &QPushButton::clicked, this, &RunsPanel::openRequested);
  updateButtons();
}

QTreeWidgetItem* RunsPanel::item(int id) const {
  for (int i = 0; i < tree_->topLevelItemCount(); ++i)
    if (tree_->topLevelItem(i)->data(0, Qt::UserRole).toInt() == id) return tree_->topLevelItem(i);
  return nullptr;
}

void RunsPanel::refreshRow(int id) {
  auto* it = item(id);
  auto* r = runs_->find(id);
  if (!it || !r) return;
  QSignalBlocker b(tree_);
  QPixmap swatch(14, 14);
  swatch.fill(r->color);
  it->setIcon(0, QIcon(swatch));
  it->setText(0, r->name);
  // A failure's reason stays in the list until the run is removed (not only in a passing banner).
  QString why = r->message;
  if (why.isEmpty() && (r->state == "failed" || r->state == "diverged")) why = QString::fromStdString(r->data.reason);
  it->setText(1, (r->state == "failed" || r->state == "diverged") && !why.isEmpty() ? r->state + ": " + why : r->state);
  it->setText(2, r->totalSteps ? QString("%1 / %2").arg(r->step).arg(r->totalSteps) : QString::number(r->step));
  it->setText(3, r->tokensPerSecond > 0 ? formatWhole(r->tokensPerSecond) : QString());
  QString tip = r->dir.isEmpty() ? r->name : r->dir;
  if (!r->message.isEmpty()) tip += "\n" + r->message;
  it->setToolTip(0, tip);
  it->setToolTip(1, r->message.isEmpty() ? r->state : r->message);
}

std::vector<int> RunsPanel::shownRuns() const {
  std::vector<int> ids;
  for (int i = 0; i < tree_->topLevelItemCount(); ++i)
    if (tree_->topLevelItem(i)->checkState(0) == Qt::Checked) ids.push_back(tree_->topLevelItem(i)->data(0, Qt::UserRole).toInt());
  return ids;
}

int RunsPanel::selectedRun() const {
  auto* it = tree_->currentItem();
  return it ? it->data(0, Qt::UserRole).toInt() : -1;
}

void RunsPanel::select(int id) {
  if (auto* it = item(id)) tree_->setCurrentItem(it);
}

void RunsPanel::editSelected() {
  const int id = selectedRun();
  auto* r = runs_->find(id);
  if (!r) return;
  HotEditDialog dlg(r->name, r->data.config, this);
  // The run may finish while the dialog is open; RunManager::edit then refuses with a message.
  if (dlg.exec() == QDialog::Accepted && !dlg.changes().empty()) runs_->edit(id, dlg.changes());
}

QString RunsPanel::relabel(int id, const QString& label) {
  RunEntry* r = runs_->find(id);
  if (!r) return "no such run";
  const QString text = label.trimmed();
  if (text.isEmpty()) return "a run's label cannot be empty";
  try {
    validate_run_label(text.toStdString());
  } catch (const Error& e) {
    return QString("label not changed: %1").arg(e.what());
  }
  if (!r->dir.isEmpty()) {
    // The training process writes run_info.json when it starts (and keeps a label found there when it
    // rewrites it for a hot edit): a run about to start would overwrite a label written now.
    const std::string info = QDir(r->dir).filePath("run_info.json").toStdString();
    const bool exists = QFileInfo::exists(QString::fromStdString(info));
    if (!exists && (r->state == "queued" || r->process || r->data.live()))
      return QString("%1 has not started yet: label it once it trains").arg(r->name);
    try {
      // An older run directory without run_info.json gets one holding just the label.
      nlohmann::json j = exists ? read_json_file(info) : nlohmann::json::object();
      if (!j.is_object()) throw Error(info + " is not a JSON object");
      j["label"] = text.toStdString();
      write_json_atomic(info, j);
    } catch (const std::exception& e) {
      return QString("label not changed: %1").arg(e.what());
    }
  }
  if (!r->data.run_info.is_object()) r->data.run_info = nlohmann::json::object();
  r->data.run_info["label"] = text.toStdString();
  r->name = text;
  refreshRow(id);
  emit labelChanged(id);
  return {};
}

void RunsPanel::relabelSelected() {
  RunEntry* r = runs_->find(selectedRun());
  if (!r) return;
  bool ok = false;
  const QString t = QInputDialog::getText(this, "Run label", "Label (legends, tables, figures; one line):", QLineEdit::Normal, r->name, &ok);
  if (!ok) return;
  const QString err = relabel(r->id, t);
  emit message(err.isEmpty() ? QString("labelled %1").arg(t.trimmed()) : err, !err.isEmpty());
}

void RunsPanel::updateButtons() {
  auto* r = runs_->find(selectedRun());
  const QString st = r ? r->state : QString();
  pause_->setEnabled(st == "running");
  resume_->setEnabled(st == "paused" || (r && runs_->canRestart(r->id)));
  step_->setEnabled(st == "paused");
  edit_->setEnabled(r && ((r->own && st == "queued") || ((r->process || r->follower) && (st == "running" || st == "paused"))));
  label_->setEnabled(r != nullptr);
  stop_->setEnabled(st == "running" || st == "paused" || st == "queued");
  remove_->setEnabled(r && !r->process && st != "running" && st != "paused" && st != "queued");
  openDir_->setEnabled(r && !r->dir.isEmpty());
}

}  // namespace udlab::ui
