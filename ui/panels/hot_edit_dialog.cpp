#include "ui/panels/hot_edit_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/train/hot_edit.h"
#include "core/train/run_config.h"

namespace udlab::ui {

HotEditDialog::HotEditDialog(const QString& runName, const nlohmann::json& config, QWidget* parent) : QDialog(parent) {
  setWindowTitle(QString("Edit %1").arg(runName));
  auto* lay = new QVBoxLayout(this);
  auto* note = new QLabel("Applied before the run's next step and marked on the loss and gradient charts.");
  note->setWordWrap(true);
  lay->addWidget(note);
  auto* form = new QFormLayout;
  const TrainConfig defaults;
  struct Row {
    std::string key;
    QString label, tip;
    double fallback;
  };
  const Row rows[] = {
      {"lr", "Peak learning rate", "The schedule keeps its position and is rescaled to this peak (e.g. 3e-4).", defaults.lr},
      {"clip", "Gradient clip", "Global gradient-norm limit; 0 turns clipping off.", defaults.clip},
      {"weight_decay", "Weight decay", "AdamW's decoupled weight decay; 0 turns it off.", defaults.weight_decay},
      {"min_lr_frac", "LR floor (fraction)", "Where the cosine decay ends, as a fraction of the peak, in [0, 1].", defaults.min_lr_frac},
  };
  for (const Row& r : rows) {
    auto it = config.is_object() ? config.find(r.key) : config.end();
    const double v = config.is_object() && it != config.end() && it->is_number() ? it->get<double>() : r.fallback;
    auto* e = new QLineEdit(QString::number(v, 'g', 10));
    e->setToolTip(QString::fromStdString(r.key) + ": " + r.tip);
    form->addRow(r.label, e);
    fields_[r.key] = e;
    initial_[r.key] = e->text();
  }
  lay->addLayout(form);
  error_ = new QLabel;
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #c0392b");
  error_->hide();
  lay->addWidget(error_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText("Apply");
  connect(buttons, &QDialogButtonBox::accepted, this, &HotEditDialog::tryAccept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  lay->addWidget(buttons);
}

QLineEdit* HotEditDialog::field(const std::string& key) const {
  auto it = fields_.find(key);
  return it == fields_.end() ? nullptr : it->second;
}

QString HotEditDialog::error() const { return error_->isHidden() ? QString() : error_->text(); }

void HotEditDialog::tryAccept() {
  // Only edited fields are sent: an untouched one must not "change" a value by its printed rounding.
  nlohmann::json changes = nlohmann::json::object();
  QString problem;
  for (auto& [key, e] : fields_) {
    const QString text = e->text().trimmed();
    if (text == initial_[key]) continue;
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok) {
      problem = QString("%1: '%2' is not a number").arg(QString::fromStdString(key), text);
      break;
    }
    changes[key] = v;
  }
  if (problem.isEmpty()) {
    try {
      validate_hot_edit(changes);
    } catch (const std::exception& ex) {
      problem = ex.what();
    }
  }
  if (!problem.isEmpty()) {
    error_->setText(problem);
    error_->show();
    return;
  }
  changes_ = std::move(changes);
  accept();
}

}  // namespace udlab::ui
