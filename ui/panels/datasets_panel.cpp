#include "ui/panels/datasets_panel.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QProgressBar>
#include <QPushButton>
#include <QStringDecoder>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "core/data/catalog.h"
#include "core/data/data_dirs.h"
#include "ui/datasets/file_check.h"
#include "ui/datasets/file_download.h"

namespace udlab::ui {

DatasetsPanel::DatasetsPanel(QWidget* parent) : QWidget(parent), nam_(new QNetworkAccessManager(this)) {
  auto* lay = new QVBoxLayout(this);
  auto* about = new QLabel("Tiny Shakespeare ships with udlab (a bundled, read-only copy, used when no data directory "
                           "holds one). Penn Treebank is download-only: its licence does not allow bundling it.");
  about->setWordWrap(true);
  lay->addWidget(about);
  tree_ = new QTreeWidget;
  tree_->setHeaderLabels({"Dataset / file", "Size", "Status", "Where"});
  // Name, size and status always whole (a status such as "corrupt: SHA-256 differs" was cut off);
  // the path takes the rest and elides in the middle, with the full path in its tooltip.
  for (int c = 0; c < 3; ++c) tree_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
  tree_->header()->setStretchLastSection(true);
  tree_->setTextElideMode(Qt::ElideMiddle);
  tree_->setToolTip("Datasets udlab knows by name. Files are searched in --data-dir, $UDLAB_DATA_DIR and the user cache.");
  lay->addWidget(tree_, 1);
  auto* row = new QHBoxLayout;
  verify_ = new QPushButton("Verify checksums");
  verify_->setToolTip("Hash every present file and compare with the catalog (SHA-256, or PTB's token counts).");
  download_ = new QPushButton("Download missing");
  download_->setToolTip("Fetch the selected dataset's missing or corrupt files into the user data directory.");
  cancel_ = new QPushButton("Cancel");
  cancel_->setEnabled(false);
  import_ = new QPushButton("Import text file…");
  import_->setToolTip("Use any UTF-8 text file as a character-level corpus.");
  progress_ = new QProgressBar;
  progress_->setVisible(false);
  status_ = new QLabel;
  for (auto* b : {verify_, download_, cancel_, import_}) row->addWidget(b);
  row->addWidget(progress_, 1);
  lay->addLayout(row);
  lay->addWidget(status_);
  connect(verify_, &QPushButton::clicked, this, [this] { rescan(true); });
  connect(download_, &QPushButton::clicked, this, &DatasetsPanel::download);
  connect(cancel_, &QPushButton::clicked, this, [this] {
    queue_.clear();
    if (current_) current_->cancel();
  });
  connect(import_, &QPushButton::clicked, this, [this] {
    // The last folder imported from, else home: never the working directory (often the source checkout).
    const QString path = QFileDialog::getOpenFileName(this, "Import a text file", importFolder_.isEmpty() ? QDir::homePath() : importFolder_,
                                                      "Text (*.txt);;All files (*)");
    if (path.isEmpty()) return;
    importFolder_ = QFileInfo(path).absolutePath();
    importFile(path);
  });
  rescan(false);
}

QString DatasetsPanel::status() const { return status_->text(); }

void DatasetsPanel::rescan(bool verify) {
  tree_->clear();
  const auto dirs = data_search_dirs("");
  int bad = 0;
  for (auto& ds : dataset_catalog()) {
    auto* top = new QTreeWidgetItem(tree_, {QString::fromStdString(ds.name)});
    top->setToolTip(0, QString::fromStdString(ds.description));
    top->setData(0, Qt::UserRole, QString::fromStdString(ds.name));
    int missing = 0, problems = 0;
    try {
      for (auto& st : dataset_file_status(ds, dirs, verify)) {
        auto* it = new QTreeWidgetItem(top, {QString::fromStdString(st.file->path)});
        if (st.path.empty()) {
          it->setText(2, st.file->required ? "missing" : "missing (optional)");
          if (st.file->required) ++missing;
        } else {
          QFileInfo fi(QString::fromStdString(st.path));
          it->setText(1, QString("%1 KB").arg(fi.size() / 1024));
          it->setText(3, fi.absolutePath());
          it->setToolTip(3, fi.absoluteFilePath());
          it->setText(2, (st.bundled ? "bundled, " : "") + QString(!st.checked ? "present (not verified)" : st.problem.empty() ? "verified ✓" : QString::fromStdString(st.problem)));
          if (st.checked && !st.problem.empty()) ++problems;
        }
        it->setToolTip(2, it->text(2) + "\n" + QString::fromStdString(st.file->sha256.empty() ? "checked by token counts" : "sha256 " + st.file->sha256));
      }
    } catch (const std::exception& e) {
      top->setText(2, QString::fromUtf8(e.what()));
      ++problems;
    }
    top->setText(2, missing ? QString("%1 file(s) missing").arg(missing)
                    : problems ? QString("%1 file(s) fail verification").arg(problems)
                               : verify ? "verified ✓" : "present");
    bad += missing + problems;
    top->setExpanded(true);
  }
  status_->setText(bad ? "Some datasets are incomplete: select one and press Download." : "All datasets present.");
}

void DatasetsPanel::download() {
  if (current_) return;
  auto* sel = tree_->currentItem();
  while (sel && sel->parent()) sel = sel->parent();
  if (!sel) {
    emit message("select a dataset to download", true);
    return;
  }
  const DatasetInfo* ds = find_dataset_info(sel->data(0, Qt::UserRole).toString().toStdString());
  if (!ds) return;
  queue_.clear();
  for (auto& st : dataset_file_status(*ds, data_search_dirs(""), true))
    if (st.path.empty() || !st.problem.empty()) queue_ << QString::fromStdString(st.file->path);
  if (queue_.isEmpty()) {
    emit message(QString("%1 is already complete and verified").arg(QString::fromStdString(ds->name)), false);
    return;
  }
  downloadNext();
}

void DatasetsPanel::downloadNext() {
  if (queue_.isEmpty()) {
    progress_->setVisible(false);
    cancel_->setEnabled(false);
    rescan(false);
    return;
  }
  const QString rel = queue_.takeFirst();
  const DataFile* file = nullptr;
  for (auto& ds : dataset_catalog())
    for (auto& f : ds.files)
      if (QString::fromStdString(f.path) == rel) file = &f;
  if (!file) return downloadNext();
  // The first search directory is where downloads go (the user's data directory).
  const QString root = QString::fromStdString(data_search_dirs("").front());
  const QString dest = QDir(root).filePath(rel);
  QDir().mkpath(QFileInfo(dest).absolutePath());
  current_ = new FileDownload(nam_, *file, QUrl(QString::fromStdString(file->url)), dest, 30000, this);
  progress_->setVisible(true);
  progress_->setRange(0, 0);
  cancel_->setEnabled(true);
  status_->setText("downloading " + rel);
  connect(current_, &FileDownload::progress, this, [this](qint64 got, qint64 total) {
    if (total > 0) progress_->setRange(0, int(total / 1024)), progress_->setValue(int(got / 1024));
  });
  connect(current_, &FileDownload::finished, this, [this, rel](const QString& err) {
    current_->deleteLater();
    current_ = nullptr;
    if (!err.isEmpty()) {
      queue_.clear();
      emit message(err, true);
      status_->setText(err);
    } else {
      emit message("downloaded " + rel, false);
    }
    downloadNext();
  });
  current_->start();
}

void DatasetsPanel::importFile(const QString& path) {
  QFileInfo fi(path);
  if (!fi.isFile() || !fi.isReadable() || fi.size() < 100) {
    emit message(QString("'%1' is not a readable text file of at least 100 bytes").arg(path), true);
    return;
  }
  // The corpus reader would reject a binary file only when training starts; say so now. The head of
  // the file decides: NUL bytes or invalid UTF-8 there mean it is not text.
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    emit message(QString("cannot read '%1': %2").arg(path, f.errorString()), true);
    return;
  }
  const QByteArray head = f.read(1 << 16);
  QStringDecoder utf8(QStringDecoder::Utf8);
  [[maybe_unused]] const QString decoded = utf8.decode(head);
  if (head.contains('\0') || utf8.hasError()) {
    emit message(QString("'%1' is not UTF-8 text (binary data near the start)").arg(path), true);
    return;
  }
  emit importedFile(path);
  emit message(QString("using %1 (%2 KB) as a character-level corpus").arg(fi.fileName()).arg(fi.size() / 1024), false);
}

}  // namespace udlab::ui
