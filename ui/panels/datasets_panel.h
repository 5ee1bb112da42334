// The datasets manager: every catalog dataset with its files' presence, size and checksum status;
// download with progress and cancel (ui/datasets' FileDownload); import of a local text file.
#pragma once
#include <QWidget>

class QLabel;
class QNetworkAccessManager;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace udlab {
class FileDownload;
}

namespace udlab::ui {

class DatasetsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetsPanel(QWidget* parent = nullptr);
  void rescan(bool verify);
  QString status() const;
  QTreeWidget* tree() const { return tree_; }
  // Offers path as a character-level corpus: emits importedFile, or message(…, true) when it is
  // missing, too short or not text. The "Import text file…" button asks for the path.
  void importFile(const QString& path);

 signals:
  void message(QString text, bool error);
  void importedFile(QString path);  // the experiment form can select it

 private:
  void download();
  void downloadNext();

  QTreeWidget* tree_;
  QPushButton *verify_, *download_, *cancel_, *import_;
  QProgressBar* progress_;
  QLabel* status_;
  QString importFolder_;  // the folder of the last imported file
  QNetworkAccessManager* nam_;
  FileDownload* current_ = nullptr;
  QStringList queue_;  // dataset/file paths still to fetch
};

}  // namespace udlab::ui
