// The LRU paper's ablation ladder in the experiment form (issue 14): a rung picker and the options each
// rung sets (--recurrence, --lru-param, --lru-init, --lru-gamma), plus --glorot-radius. Picking a rung
// sets the four options from core/models/lru/lru_ladder.h (the list `compare --preset lru-ladder` runs);
// editing an option shows the rung it now matches, or "custom".
#pragma once
#include "core/models/model_config.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;

namespace udlab::ui {

class LruLadderRows {
 public:
  // Adds the rows to form; the widgets become children of form's widget.
  explicit LruLadderRows(QFormLayout* form);
  void read(ModelConfig& m) const;
  void write(const ModelConfig& m);
  QComboBox* rung() const { return rung_; }

 private:
  void showMatchingRung();

  QComboBox *rung_, *recurrence_, *param_, *init_;
  QCheckBox* gamma_;
  QDoubleSpinBox* radius_;
};

}  // namespace udlab::ui
