// The experiment form: model family (whatever ModelRegistry offers), readout, subgroup, group-rnn's
// recommended settings and udlab variants, sizes, LRU ring and ablation ladder, dataset with its on-disk
// status (and ListOps' options), training settings, device, and a live parameter count. It edits a
// RunConfig and nothing else; starting runs is the window's job.
#pragma once
#include <QWidget>
#include <map>
#include <memory>

#include "core/train/run_config.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace udlab::ui {

class GroupRnnRows;
class LruLadderRows;

class ExperimentPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ExperimentPanel(QWidget* parent = nullptr);
  ~ExperimentPanel() override;
  RunConfig config() const;  // what the form says (not validated; the engine validates)
  void setConfig(const RunConfig& c);
  size_t paramCount() const { return params_; }
  QString runName() const;   // a short name for the runs list, e.g. "lstm h128"

 signals:
  void configChanged();
  void message(QString text);  // errors from e.g. "match to N parameters"

 private:
  void updateVisibility();
  void updateParamCount();
  void updateGroupInfo();
  void updateDatasetStatus();
  void matchParams();
  int vocabFor(const TrainConfig& t);

  QComboBox *model_, *group_, *dataset_, *schedule_, *device_, *readout_;
  std::unique_ptr<LruLadderRows> ladder_;  // recurrence, parameterisation, init, γ (lru_ladder_rows.h)
  std::unique_ptr<GroupRnnRows> groupRnn_;  // recommended settings, --xi-bound, token-xi (group_rnn_rows.h)
  QLabel *modelInfo_, *groupInfo_, *datasetStatus_, *paramsLabel_;
  QSpinBox *layers_, *embed_, *hidden_, *heads_, *d_, *state_;
  QSpinBox* recompute_;  // group-rnn recompute_chunk, 0 = off
  QCheckBox* mixing_;
  QDoubleSpinBox *rmin_, *rmax_, *maxPhase_;
  QSpinBox *batch_, *seqLen_, *steps_, *warmup_, *seed_, *threads_, *logEvery_, *evalEvery_;
  QDoubleSpinBox *lr_, *clip_;
  QSpinBox* matchTarget_;
  QPushButton* matchBtn_;
  QWidget *groupBox_, *lruBox_, *listopsBox_;
  QSpinBox *listopsDepth_, *listopsArgs_, *listopsMinLen_, *listopsMaxLen_;
  size_t params_ = 0;
  std::map<std::string, int> vocabCache_;
  bool loading_ = false;
};

}  // namespace udlab::ui
