// udlab's own group-rnn options in the experiment form (issue 14; udlab's variants, not the U(d) paper's):
// --xi-bound c (each step's generator bounded smoothly to ‖ξ‖_F < c, core/groups/xi_bound.h) and the
// token-xi readout (logits from [vec h_{t+1}, vec ξ_t]), an item of the form's Readout combo, plus a button
// that applies the setting docs/results.md recommends. Each is offered only where the engine accepts it
// (core/train/run_config.cpp validate, gpu/cuda_group_ops.cpp): the bound for group-rnn off CUDA, token-xi
// for group-rnn on datasets read per token (not listops).
#pragma once
#include "core/train/run_config.h"

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QPushButton;

namespace udlab::ui {

class GroupVariantRows {
 public:
  // Adds the rows to form (the group box's) and the token-xi item to readout.
  GroupVariantRows(QFormLayout* form, QComboBox* readout);
  // xi_bound from the form, after c's model and device are read: the spin box's value where the bound
  // applies (group-rnn, not CUDA), else 0.
  void read(RunConfig& c) const;
  void write(const ModelConfig& m);
  // Shows, enables and explains the rows for what the form now says; token-xi falls back to auto where
  // it no longer applies.
  void update(const RunConfig& c);
  QPushButton* recommendButton() const { return recommend_; }
  // The recommended setting (docs/results.md, issue 14): what the button applies to the form's config.
  static void applyRecommended(RunConfig& c);

 private:
  QFormLayout* form_;
  QComboBox* readout_;
  QLabel* title_;
  QDoubleSpinBox* bound_;
  QPushButton* recommend_;
};

}  // namespace udlab::ui
