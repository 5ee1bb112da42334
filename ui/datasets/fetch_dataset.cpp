#include "ui/datasets/fetch_dataset.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QNetworkAccessManager>

#include "core/data/data_dirs.h"
#include "core/util/error.h"
#include "ui/datasets/file_check.h"
#include "ui/datasets/file_download.h"

namespace udlab {

static QUrl source_url(const DataFile& f, const std::string& mirror) {
  if (mirror.empty()) return QUrl(QString::fromStdString(f.url));
  std::string base = mirror;
  while (!base.empty() && base.back() == '/') base.pop_back();
  QUrl url(QString::fromStdString(base + "/" + f.path));
  if (!url.isValid() || url.scheme().isEmpty())
    throw Error("mirror '" + mirror + "' is not a URL (expected http://, https:// or file://)");
  return url;
}

void fetch_dataset(const DatasetInfo& ds, const FetchOptions& opts) {
  if (!QCoreApplication::instance()) throw Error("internal: fetch_dataset needs a QCoreApplication");
  // Only the download directory counts: after a fetch, that directory holds the dataset, even when
  // another search directory (or the bundled copy) has one too.
  const std::string dir = data_download_dir(opts.data_dir);
  QNetworkAccessManager nam;
  for (const auto& st : dataset_file_status(ds, {dir}, !opts.force)) {
    const DataFile& f = *st.file;
    if (!opts.force && !st.path.empty() && !st.bundled && st.problem.empty()) {
      if (opts.on_file) opts.on_file(f, st.path, "already present");
      continue;
    }
    QUrl url = source_url(f, opts.mirror);
    std::string dest = dir + "/" + f.path;
    FileDownload dl(&nam, f, url, QString::fromStdString(dest), opts.timeout_ms);
    dl.setLimits(opts.max_bytes, opts.deadline_ms);
    QEventLoop loop;
    QString error;
    QObject::connect(&dl, &FileDownload::progress, [&](qint64 got, qint64 total) {
      if (opts.on_progress) opts.on_progress(f, got, total);
    });
    QObject::connect(&dl, &FileDownload::finished, [&](const QString& e) {
      error = e;
      loop.quit();
    });
    // Queued so that a failure inside start() arrives after loop.exec() is running.
    QMetaObject::invokeMethod(&dl, [&] { dl.start(); }, Qt::QueuedConnection);
    loop.exec();
    if (!error.isEmpty()) throw Error(error.toStdString());
    if (opts.on_file) opts.on_file(f, dest, "downloaded");
  }
}

}  // namespace udlab
