// group-rnn's rows in the experiment form (issue 14): a button that applies the training settings measured
// to learn fastest (docs/results-defaults.md), and udlab's own options, variants of the U(d) paper's model:
// --io-lr-factor (embedding and head at a multiple of the lr), --xi-bound c (each step's generator bounded smoothly to ‖ξ‖_F < c, core/groups/xi_bound.h) and the
// token-xi readout (logits from [vec h_{t+1}, vec ξ_t]), an item of the form's Readout combo. Each variant
// is offered only where the engine accepts it (core/train/run_config.cpp validate, gpu/cuda_group_ops.cpp):
// the bound for group-rnn off CUDA, token-xi for group-rnn on datasets read per token (not listops).
#pragma once
#include "core/train/run_config.h"

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QPushButton;

namespace udlab::ui {

class GroupRnnRows {
 public:
  // Adds the rows to form (the group box's) and the token-xi item to readout.
  GroupRnnRows(QFormLayout* form, QComboBox* readout);
  // xi_bound from the form, after c's model and device are read: the spin box's value where the bound
  // applies (group-rnn, not CUDA), else 0.
  void read(RunConfig& c) const;
  void write(const ModelConfig& m);
  // Shows, enables and explains the rows for what the form now says; token-xi falls back to auto where
  // it no longer applies.
  void update(const RunConfig& c);
  QPushButton* recommendButton() const { return recommend_; }
  // What the button applies (docs/results-defaults.md, Tiny Shakespeare at ~12.6k parameters): lr 5e-3 with
  // the gradient clipped to 0.5, embedding and head at 10× (io_lr_factor), an embedding of width ≈ n²/10
  // for the state's n×n real storage, no ξ bound or token-xi; d is kept (Match sets it for a budget).
  static void applyRecommended(RunConfig& c);

 private:
  QFormLayout* form_;
  QComboBox* readout_;
  QPushButton* recommend_;
  QLabel* title_;
  QDoubleSpinBox *ioLr_, *bound_;
};

}  // namespace udlab::ui
