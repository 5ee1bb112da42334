#include "ui/panels/sample_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/train/run_loader.h"

namespace udlab::ui {

SamplePanel::SamplePanel(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  run_ = new QComboBox;
  run_->setEditable(true);
  run_->setToolTip("The run directory whose checkpoint generates the text (any finished or stopped run).");
  prompt_ = new QLineEdit("ROMEO:");
  prompt_->setToolTip("Text the model continues. Characters it never saw in training are an error.");
  length_ = new QSpinBox;
  length_->setRange(1, 100000);
  length_->setValue(300);
  length_->setToolTip("How many tokens to generate.");
  temperature_ = new QDoubleSpinBox;
  temperature_->setRange(0, 5);
  temperature_->setSingleStep(0.1);
  temperature_->setValue(0.8);
  temperature_->setToolTip("Sampling temperature: 0 always picks the most likely token; higher is more random.");
  seed_ = new QSpinBox;
  seed_->setRange(0, 2147483647);
  seed_->setValue(1);
  seed_->setToolTip("Seed of the sampler: the same seed gives the same text.");
  go_ = new QPushButton("Generate");
  form->addRow("Run", run_);
  form->addRow("Prompt", prompt_);
  form->addRow("Length", length_);
  form->addRow("Temperature", temperature_);
  form->addRow("Seed", seed_);
  lay->addLayout(form);
  lay->addWidget(go_);
  out_ = new QPlainTextEdit;
  out_->setReadOnly(true);
  QFont mono("Monospace");
  mono.setStyleHint(QFont::TypeWriter);
  out_->setFont(mono);
  lay->addWidget(out_, 1);
  connect(go_, &QPushButton::clicked, this, &SamplePanel::generate);
  connect(&watcher_, &QFutureWatcher<QString>::finished, this, [this] {
    out_->setPlainText(watcher_.result());
    go_->setEnabled(true);
    emit generated();
  });
}

void SamplePanel::addRunDirectory(const QString& dir) {
  if (run_->findText(dir) < 0) run_->insertItem(0, dir);
  run_->setCurrentIndex(run_->findText(dir));
}

void SamplePanel::setSampling(const QString& prompt, int length, double temperature, int seed) {
  prompt_->setText(prompt);
  length_->setValue(length);
  temperature_->setValue(temperature);
  seed_->setValue(seed);
}

QString SamplePanel::output() const { return out_->toPlainText(); }

void SamplePanel::generate() {
  if (watcher_.isRunning()) return;
  const std::string dir = run_->currentText().trimmed().toStdString();
  const std::string prompt = prompt_->text().toStdString();
  const int len = length_->value();
  const double temp = temperature_->value();
  const uint64_t seed = uint64_t(seed_->value());
  go_->setEnabled(false);
  out_->setPlainText("generating…");
  // Loading the checkpoint and sampling take seconds for big models: never on the GUI thread.
  watcher_.setFuture(QtConcurrent::run([=]() -> QString {
    try {
      if (dir.empty()) return "error: choose a run directory first";
      LoadedRun run = load_run(dir, 1);
      return QString::fromStdString(sample_text(run, prompt, len, temp, seed));
    } catch (const std::exception& e) {
      return QString("error: ") + QString::fromUtf8(e.what());
    }
  }));
}

}  // namespace udlab::ui
