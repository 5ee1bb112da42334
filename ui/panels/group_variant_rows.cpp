#include "ui/panels/group_variant_rows.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QStandardItemModel>

namespace udlab::ui {

namespace {
const char* kTokenXi = "token-xi";
const char* kTokenXiTip =
    "udlab's variant, not the U(d) paper's (group-rnn only): the output layer reads [vec h_{t+1}, vec ξ_t] at every "
    "position, where ξ_t, the step's generator, holds the current input linearly; a readout of h alone must pick it "
    "out of a product. The head doubles in width. Language modelling only: datasets labelling whole sequences "
    "(listops) need mean or last.";
const char* kBoundTip =
    "udlab's variant, not the U(d) paper's (--xi-bound c): each step applies exp(σ_c(ξ_t)) with σ_c(ξ) = "
    "c·tanh(‖ξ‖_F/c)·ξ/‖ξ‖_F, so ‖ξ‖_F stays below c and no step rotates the state by π or more, however far "
    "training pushes ξ (past π, exp wraps around and distinct tokens can act alike). Small ξ is almost "
    "unchanged. Lets the learning rate rise about 2.5× (docs/results.md). off = the paper's model; c ≤ π.";
}  // namespace

GroupVariantRows::GroupVariantRows(QFormLayout* form, QComboBox* readout) : form_(form), readout_(readout) {
  readout_->addItem("token-xi (udlab variant)", kTokenXi);
  readout_->setItemData(readout_->count() - 1, kTokenXiTip, Qt::ToolTipRole);
  title_ = new QLabel("<b>udlab's variants</b> (not the U(d) paper's; group-rnn only)");
  title_->setToolTip("Options udlab adds to the paper's group-rnn (issue 14, docs/groups.md). The readout token-xi "
                     "is in the Model box's Readout list.");
  bound_ = new QDoubleSpinBox;
  bound_->setRange(0, 3.14159);  // validate() takes c ≤ π; five decimals keep the top value below it
  bound_->setDecimals(5);
  bound_->setSingleStep(0.25);
  bound_->setSpecialValueText("off");
  bound_->setObjectName("xiBound");
  recommend_ = new QPushButton("Recommended (udlab variant)");
  recommend_->setObjectName("groupRecommended");
  recommend_->setToolTip("Readout token-xi, ξ bound π, learning rate 5e-3: on Tiny Shakespeare at ~12.6k parameters "
                         "this learns faster per step than the paper's settings (val bpc 3.49 / 3.23 at 200 / 1,000 "
                         "steps against 4.13 / 3.51; a tanh RNN: 3.04 / 2.83; docs/results.md, issue 14). Sizes "
                         "are left as they are.");
  form_->addRow(title_);
  form_->addRow("ξ bound c", bound_);
  form_->addRow(recommend_);
}

void GroupVariantRows::read(RunConfig& c) const {
  c.model.xi_bound = c.model.model == "group-rnn" && c.train.device != "cuda" ? bound_->value() : 0;
}

void GroupVariantRows::write(const ModelConfig& m) { bound_->setValue(m.xi_bound); }

void GroupVariantRows::update(const RunConfig& c) {
  const bool group = c.model.model == "group-rnn";
  for (QWidget* w : {static_cast<QWidget*>(title_), static_cast<QWidget*>(bound_), static_cast<QWidget*>(recommend_)})
    form_->setRowVisible(w, group);
  const bool cuda = c.train.device == "cuda";
  bound_->setEnabled(!cuda);
  bound_->setToolTip(cuda ? QString("Not on CUDA: the bound runs on the CPU backend only (choose Device CPU).\n\n") +
                                kBoundTip
                          : QString(kBoundTip));

  const int i = readout_->findData(kTokenXi);
  auto* items = qobject_cast<QStandardItemModel*>(readout_->model());
  const bool tokenXi = group && c.train.dataset != "listops";
  items->item(i)->setEnabled(tokenXi);
  readout_->setItemData(i,
                        tokenXi ? QString(kTokenXiTip)
                                : QString(group ? "Not with listops: it labels whole sequences (use auto, mean or last)."
                                                : "group-rnn only.") +
                                      "\n\n" + kTokenXiTip,
                        Qt::ToolTipRole);
  if (!tokenXi && readout_->currentIndex() == i) readout_->setCurrentIndex(readout_->findData("auto"));
}

void GroupVariantRows::applyRecommended(RunConfig& c) {
  c.model.xi_bound = 3.14159;
  if (c.train.dataset != "listops") c.model.readout = kTokenXi;
  c.train.lr = 5e-3;
}

}  // namespace udlab::ui
