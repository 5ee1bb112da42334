#include "ui/panels/lru_ladder_rows.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSignalBlocker>

#include "core/models/lru/lru_ladder.h"
#include "ui/panels/combo_text.h"

namespace udlab::ui {

LruLadderRows::LruLadderRows(QFormLayout* form) {
  rung_ = new QComboBox;
  rung_->addItem("custom");
  for (const LruRung& r : lru_ladder()) rung_->addItem(r.label);
  rung_->setToolTip("A rung of the LRU paper's ablation ladder (Orvieto et al. 2023, Figure 1): each rung changes one "
                    "option below from the rung above, from a tanh RNN to the LRU. `udlab-cli compare --preset "
                    "lru-ladder` trains them all.");
  recurrence_ = new QComboBox;
  recurrence_->addItems({"linear", "tanh"});
  recurrence_->setToolTip("tanh: a nonlinear recurrence x = tanh(A x + B u) (dense only); linear: x = A x + B u.");
  param_ = new QComboBox;
  param_->addItems({"stable-exp", "exp", "real-im", "dense"});
  param_->setToolTip("dense: an N×N real matrix A; real-im: diagonal complex λ = a + ib; exp: λ = exp(−ν + iθ); "
                     "stable-exp: ν = exp(ν_log), so |λ| < 1 always (the LRU's).");
  init_ = new QComboBox;
  init_->addItems({"ring", "glorot"});
  init_->setToolTip("ring: eigenvalues uniform in the ring r_min ≤ |λ| ≤ r_max; glorot: a dense random matrix's spectrum "
                    "(a disk). The dense rungs take glorot only.");
  gamma_ = new QCheckBox("γ normalisation");
  gamma_->setToolTip("Scale each channel's input by γ = sqrt(1 − |λ|²), so slow channels do not blow up the state "
                     "(the LRU's last ingredient; diagonal rungs only).");
  radius_ = new QDoubleSpinBox;
  radius_->setRange(0, 1);
  radius_->setDecimals(3);
  radius_->setSingleStep(0.01);
  radius_->setSpecialValueText("off");
  radius_->setToolTip("glorot init: scale the random matrix down to this spectral radius when it is larger (off = raw "
                      "Glorot, whose spectral radius at small N can exceed 1, and a linear recurrence then explodes).");
  rung_->setObjectName("lruRung");
  recurrence_->setObjectName("recurrence");
  param_->setObjectName("lruParam");
  init_->setObjectName("lruInit");
  gamma_->setObjectName("lruGamma");
  radius_->setObjectName("glorotRadius");
  form->addRow("Ladder rung", rung_);
  form->addRow("Recurrence", recurrence_);
  form->addRow("Parameterisation", param_);
  form->addRow("init", init_);
  form->addRow(gamma_);
  form->addRow("Glorot radius", radius_);
  QObject::connect(rung_, &QComboBox::currentIndexChanged, rung_, [this](int i) {  // blocked in showMatchingRung
    if (i < 1) return;
    ModelConfig m;
    read(m);
    write(lru_ladder()[size_t(i - 1)].apply(m));
  });
  for (QComboBox* b : {recurrence_, param_, init_})
    QObject::connect(b, &QComboBox::currentTextChanged, rung_, [this] { showMatchingRung(); });
  QObject::connect(gamma_, &QCheckBox::toggled, rung_, [this] { showMatchingRung(); });
}

void LruLadderRows::read(ModelConfig& m) const {
  m.recurrence = recurrence_->currentText().toStdString();
  m.lru_param = param_->currentText().toStdString();
  m.lru_init = init_->currentText().toStdString();
  m.lru_gamma = gamma_->isChecked();
  m.glorot_radius = radius_->value();
}

void LruLadderRows::write(const ModelConfig& m) {
  setComboText(recurrence_, m.recurrence);
  setComboText(param_, m.lru_param);
  setComboText(init_, m.lru_init);
  gamma_->setChecked(m.lru_gamma);
  radius_->setValue(m.glorot_radius);
  showMatchingRung();
}

void LruLadderRows::showMatchingRung() {
  ModelConfig m;
  read(m);
  int match = 0;
  const auto& L = lru_ladder();
  for (size_t i = 0; i < L.size() && !match; ++i) {
    ModelConfig r = L[i].apply(m);
    if (r.recurrence == m.recurrence && r.lru_param == m.lru_param && r.lru_init == m.lru_init &&
        r.lru_gamma == m.lru_gamma)
      match = int(i) + 1;
  }
  QSignalBlocker block(rung_);
  rung_->setCurrentIndex(match);
}

}  // namespace udlab::ui
