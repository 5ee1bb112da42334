#include "ui/panels/group_rnn_rows.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QStandardItemModel>
#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "core/groups/group.h"

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

GroupRnnRows::GroupRnnRows(QFormLayout* form, QComboBox* readout) : form_(form), readout_(readout) {
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
  recommend_ = new QPushButton("Recommended training settings");
  recommend_->setObjectName("groupRecommended");
  recommend_->setToolTip("Learning rate 5e-3 with the gradient norm clipped to 0.5, embedding and head at 10× that "
                         "rate, and an embedding of width ≈ n²/10 for an n×n state; d is kept (Match sets it for a "
                         "budget); ξ bound and token-xi off. On Tiny Shakespeare at ~12.6k parameters (O(12), "
                         "embedding 14) this gives val bpc 3.25 / 2.92 at steps 200 / 1,000, against 4.04 / 3.58 with "
                         "session 5's defaults and 3.04 / 2.83 for a tanh RNN of the same size "
                         "(docs/results-defaults.md). Without the clipping, large rates can collapse (‖ξ‖ runs past "
                         "π). Works on CUDA too.");
  ioLr_ = new QDoubleSpinBox;
  ioLr_->setRange(0.01, 1000);
  ioLr_->setDecimals(2);
  ioLr_->setObjectName("ioLrFactor");
  ioLr_->setToolTip("udlab's choice, not the U(d) paper's (--io-lr-factor): the embedding and the head train at the "
                    "learning rate × this, W, U and B at the rate itself. They sit outside exp, so they take steps "
                    "that would throw ξ past π if W, U and B took them (docs/results-defaults.md). 1 = one rate for "
                    "all, as in the paper.");
  form_->addRow(recommend_);
  form_->addRow(title_);
  form_->addRow("Embedding/head lr ×", ioLr_);
  form_->addRow("ξ bound c", bound_);
}

void GroupRnnRows::read(RunConfig& c) const {
  c.model.xi_bound = c.model.model == "group-rnn" && c.train.device != "cuda" ? bound_->value() : 0;
  c.model.io_lr_factor = ioLr_->value();
}

void GroupRnnRows::write(const ModelConfig& m) {
  bound_->setValue(m.xi_bound);
  ioLr_->setValue(m.io_lr_factor);
}

void GroupRnnRows::update(const RunConfig& c) {
  const bool group = c.model.model == "group-rnn";
  for (QWidget* w : std::initializer_list<QWidget*>{title_, ioLr_, bound_, recommend_})
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

void GroupRnnRows::applyRecommended(RunConfig& c) {
  int n = c.model.d;
  try {
    n = make_group(c.model.group, c.model.d).n();  // complex groups: 2d×2d real storage
  } catch (const std::exception&) {
    // a group the form cannot build yet (its info line says why): d stands in for n
  }
  c.model.embed = std::max(1, int(std::lround(n * n / 10.0)));
  c.model.xi_bound = 0;
  if (c.model.readout == kTokenXi) c.model.readout = "auto";
  c.model.io_lr_factor = 10;
  c.train.lr = 5e-3;
  c.train.clip = 0.5;
}

}  // namespace udlab::ui
