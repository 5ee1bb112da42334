// The "Edit…" dialog of the runs panel: the hyperparameters a run accepts while it trains
// (core/train/hot_edit.h), pre-filled from its current config. Text fields rather than spin boxes so
// that learning rates can be typed as 3e-4 and are shown without rounding.
#pragma once
#include <QDialog>
#include <QString>
#include <map>
#include <nlohmann/json.hpp>

class QLabel;
class QLineEdit;

namespace udlab::ui {

class HotEditDialog : public QDialog {
  Q_OBJECT
 public:
  HotEditDialog(const QString& runName, const nlohmann::json& config, QWidget* parent = nullptr);
  // The fields whose text was changed, as numbers; set when the dialog is accepted.
  nlohmann::json changes() const { return changes_; }
  QLineEdit* field(const std::string& key) const;
  QString error() const;  // what the last tryAccept() refused ("" = nothing)

  // Accepts when every changed field is a valid value; otherwise shows why and stays open.
  void tryAccept();

 private:
  std::map<std::string, QLineEdit*> fields_;
  std::map<std::string, QString> initial_;
  QLabel* error_;
  nlohmann::json changes_ = nlohmann::json::object();
};

}  // namespace udlab::ui
