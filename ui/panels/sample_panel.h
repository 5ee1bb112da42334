// Generate text from a run's checkpoint (core's load_run + sample_text), off the GUI thread.
#pragma once
#include <QFutureWatcher>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace udlab::ui {

class SamplePanel : public QWidget {
  Q_OBJECT
 public:
  explicit SamplePanel(QWidget* parent = nullptr);
  void addRunDirectory(const QString& dir);  // offered in the run list
  void setSampling(const QString& prompt, int length, double temperature, int seed = 1);
  void generate();
  QString output() const;  // the generated text, or "error: …"

 signals:
  void generated();  // output() holds the text or the error

 private:
  QComboBox* run_;
  QLineEdit* prompt_;
  QSpinBox *length_, *seed_;
  QDoubleSpinBox* temperature_;
  QPushButton* go_;
  QPlainTextEdit* out_;
  QFutureWatcher<QString> watcher_;
};

}  // namespace udlab::ui
