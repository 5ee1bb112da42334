#include "ui/datasets/file_download.h"

#include <QDir>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QCoreApplication>
#include <QTimer>
#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "ui/datasets/file_check.h"

namespace udlab {
namespace {
char g_partial[4096];
void setPartial(const QString& path) {
  const QByteArray b = path.toLocal8Bit();
  const size_t n = std::min(sizeof g_partial - 1, size_t(b.size()));
  std::memcpy(g_partial, b.constData(), n);
  g_partial[n] = 0;
}
}  // namespace

const char* FileDownload::currentPartialFile() { return g_partial; }

FileDownload::FileDownload(QNetworkAccessManager* nam, DataFile file, QUrl url, QString dest, int timeout_ms,
                           QObject* parent)
    : QObject(parent), nam_(nam), file_(std::move(file)), url_(std::move(url)), dest_(std::move(dest)),
      timeout_ms_(timeout_ms), deadline_ms_(qint64(timeout_ms) * 20),
      part_(dest_ + ".tmp-" + QString::number(QCoreApplication::applicationPid())) {}

FileDownload::~FileDownload() {
  if (reply_) {
    reply_->disconnect(this);
    reply_->abort();
    reply_->deleteLater();
  }
  if (part_.isOpen()) part_.close();
  if (!done_) QFile::remove(part_.fileName());
  setPartial(QString());
}

void FileDownload::setLimits(qint64 max_bytes, qint64 deadline_ms) {
  if (max_bytes > 0) max_bytes_ = max_bytes;
  if (deadline_ms > 0) deadline_ms_ = deadline_ms;
}

void FileDownload::start() {
  QString dir = QFileInfo(dest_).absolutePath();
  if (!QDir().mkpath(dir)) return fail("cannot create directory " + dir);
  remove_stale_temp_files(dir.toStdString());
  if (!part_.open(QIODevice::WriteOnly | QIODevice::Truncate))
    return fail("cannot write " + part_.fileName() + ": " + part_.errorString());
  setPartial(part_.fileName());
  // The transfer timeout only notices silence; a server trickling bytes for ever meets this deadline.
  QTimer::singleShot(int(std::min<qint64>(deadline_ms_, INT_MAX)), this, [this] {
    if (!reply_ || done_) return;
    reply_->disconnect(this);
    reply_->abort();
    reply_->deleteLater();
    reply_.clear();
    fail("download of " + url_.toDisplayString() + " took longer than " + QString::number(deadline_ms_ / 1000.0) +
         " s (a server sending too slowly)");
  });
  QNetworkRequest req(url_);
  req.setTransferTimeout(timeout_ms_);
  req.setHeader(QNetworkRequest::UserAgentHeader, "udlab/0.1");
  reply_ = nam_->get(req);
  connect(reply_, &QNetworkReply::readyRead, this, &FileDownload::on_ready_read);
  connect(reply_, &QNetworkReply::downloadProgress, this, &FileDownload::progress);
  connect(reply_, &QNetworkReply::finished, this, &FileDownload::on_finished);
}

void FileDownload::cancel() {
  if (reply_ && !done_) reply_->abort();  // finished() follows with OperationCanceledError
}

void FileDownload::on_ready_read() {
  QByteArray chunk = reply_->readAll();
  if (part_.size() + chunk.size() > max_bytes_) {
    reply_->disconnect(this);
    reply_->abort();
    reply_->deleteLater();
    reply_.clear();
    const QString cap = max_bytes_ % (1 << 20) ? QString::number(max_bytes_) + " bytes"
                                               : QString::number(max_bytes_ >> 20) + " MiB";
    return fail("download of " + url_.toDisplayString() + " is larger than " + cap + ": not the expected file");
  }
  if (part_.write(chunk) != chunk.size()) {
    QString why = part_.errorString();
    reply_->disconnect(this);
    reply_->abort();
    reply_->deleteLater();
    reply_.clear();
    fail("cannot write " + part_.fileName() + ": " + why);
  }
}

void FileDownload::on_finished() {
  QNetworkReply* r = reply_;
  r->deleteLater();
  reply_.clear();
  if (done_) return;
  if (r->bytesAvailable() > 0) {
    QByteArray rest = r->readAll();
    if (part_.write(rest) != rest.size()) return fail("cannot write " + part_.fileName() + ": " + part_.errorString());
  }
  const QString where = url_.toDisplayString();
  QVariant status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute);
  if (status.isValid() && status.toInt() != 200)
    return fail("download of " + where + " failed: HTTP " + QString::number(status.toInt()) + " " +
                r->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString());
  if (r->error() == QNetworkReply::OperationCanceledError)
    return fail("download of " + where + " was cancelled or timed out");
  if (r->error() != QNetworkReply::NoError) return fail("download of " + where + " failed: " + r->errorString());
  if (!part_.flush()) return fail("cannot write " + part_.fileName() + ": " + part_.errorString());
  part_.close();

  std::string problem;
  try {
    problem = check_data_file(file_, part_.fileName().toStdString());
  } catch (const Error& e) {
    problem = e.what();
  }
  if (!problem.empty())
    return fail("download of " + where + " is not the expected file: " + QString::fromStdString(problem));
  std::error_code ec;
  std::filesystem::rename(part_.fileName().toStdString(), dest_.toStdString(), ec);
  if (ec) return fail("cannot move the download to " + dest_ + ": " + QString::fromStdString(ec.message()));
  done_ = true;
  setPartial(QString());
  emit finished(QString());
}

void FileDownload::fail(const QString& error) {
  if (done_) return;
  done_ = true;
  if (part_.isOpen()) part_.close();
  QFile::remove(part_.fileName());
  setPartial(QString());
  emit finished(error);
}

}  // namespace udlab
