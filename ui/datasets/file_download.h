// One dataset file downloaded into place: streamed to "<dest>.tmp-<pid>" (unique per process, and
// removed by remove_stale_temp_files() once its process is gone), checked against the catalog, then
// renamed over dest. A download larger than kMaxBytes, or running past an overall deadline, fails. A failed, cancelled or corrupt download never replaces a file that is there.
// Asynchronous (signals), for the GUI; fetch_dataset() wraps it for the CLI.
#pragma once
#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include "core/data/catalog.h"

class QNetworkAccessManager;
class QNetworkReply;

namespace udlab {

class FileDownload : public QObject {
  Q_OBJECT
 public:
  static constexpr qint64 kMaxBytes = qint64(256) << 20;  // every catalogued file is far smaller
  // The partial file being written right now in this process ("" when none), for a signal handler
  // to unlink (a plain char buffer: async-signal-safe to read).
  static const char* currentPartialFile();
  // timeout_ms: give up when no data arrives for this long, or when the whole download takes more
  // than 20 times as long (a trickling server).
  FileDownload(QNetworkAccessManager* nam, DataFile file, QUrl url, QString dest, int timeout_ms = 30000,
               QObject* parent = nullptr);
  // Tighter limits than kMaxBytes and 20 × timeout_ms (tests; call before start()). 0 keeps a default.
  void setLimits(qint64 max_bytes, qint64 deadline_ms);
  ~FileDownload() override;
  // Connect to finished() first: a failure to create the .part file is reported from inside start().
  void start();
  void cancel();
  const DataFile& file() const { return file_; }
  QUrl url() const { return url_; }

 signals:
  // total is -1 while the size is unknown.
  void progress(qint64 received, qint64 total);
  // error is empty on success (dest now holds the checked file), otherwise one line naming the URL.
  void finished(QString error);

 private:
  void on_ready_read();
  void on_finished();
  void fail(const QString& error);

  QNetworkAccessManager* nam_;
  DataFile file_;
  QUrl url_;
  QString dest_;
  int timeout_ms_;
  qint64 max_bytes_ = kMaxBytes;
  qint64 deadline_ms_;
  QFile part_;
  QPointer<QNetworkReply> reply_;
  bool done_ = false;
};

}  // namespace udlab
