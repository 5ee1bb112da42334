#include "ui/engine/run_process.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QStandardPaths>

#include <csignal>
#include <cstring>

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace udlab::ui {

QString findUdlabCli(QString* why) {
  const QString env = qEnvironmentVariable("UDLAB_CLI");
  if (!env.isEmpty()) {
    if (QFileInfo(env).isExecutable()) return env;
    if (why) *why = QString("UDLAB_CLI=%1 is not an executable file").arg(env);
    return {};
  }
  const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath("udlab-cli");
  if (QFileInfo(beside).isExecutable()) return beside;
  const QString onPath = QStandardPaths::findExecutable("udlab-cli");
  if (!onPath.isEmpty()) return onPath;
  if (why)
    *why = QString("udlab-cli was not found (looked beside %1 and on PATH); every run trains in a udlab-cli "
                   "process: install it, or set UDLAB_CLI to its path")
               .arg(QCoreApplication::applicationDirPath());
  return {};
}

QString describeExit(QProcess::ExitStatus status, int code, const QString& stderrTail) {
  if (status == QProcess::CrashExit) {
    QString what = code == SIGKILL ? QStringLiteral("killed; out of memory?") : QString::fromLocal8Bit(strsignal(code));
    return QString("exited with signal %1 (%2)").arg(code).arg(what);
  }
  QString last = stderrTail.trimmed();
  last = last.section('\n', -1).trimmed();
  return last.isEmpty() ? QString("exited with code %1").arg(code) : QString("exited with code %1: %2").arg(code).arg(last);
}

RunProcess::RunProcess(QObject* parent) : QObject(parent), p_(new QProcess(this)) {
  connect(p_, &QProcess::readyReadStandardOutput, this, [this] {
    p_->readAllStandardOutput();  // the lines only ring the bell: the directory has the records
    emit wrote();
  });
  connect(p_, &QProcess::readyReadStandardError, this, [this] {
    stderrTail_ += QString::fromLocal8Bit(p_->readAllStandardError());
    if (stderrTail_.size() > 4000) stderrTail_ = stderrTail_.right(2000);
  });
  connect(p_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus st) {
    stderrTail_ += QString::fromLocal8Bit(p_->readAllStandardError());
    emit exited(st, code);
  });
}

RunProcess::~RunProcess() {
  if (p_ && p_->state() != QProcess::NotRunning) detach();
}

bool RunProcess::start(const QStringList& trainArgs, QString* why) {
  const QString cli = findUdlabCli(why);
  if (cli.isEmpty()) return false;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  // Several runs share the cores: OpenMP threads that spin while waiting would steal them.
  if (!env.contains("OMP_WAIT_POLICY")) env.insert("OMP_WAIT_POLICY", "PASSIVE");
  p_->setProcessEnvironment(env);
  p_->setChildProcessModifier([] {
#ifdef __linux__
    // Its own session: a terminal's Ctrl-C or hangup aimed at the window does not reach runs left
    // training. Lower priority: with every core training, the window still gets the CPU at once.
    ::setsid();
    ::setpriority(PRIO_PROCESS, 0, 15);
#endif
  });
  p_->start(cli, QStringList{"train", "--notify", "--quiet"} + trainArgs);
  if (!p_->waitForStarted(10000)) {
    if (why) *why = QString("cannot start %1: %2").arg(cli, p_->errorString());
    return false;
  }
  return true;
}

qint64 RunProcess::pid() const { return p_ ? p_->processId() : 0; }
bool RunProcess::running() const { return p_ && p_->state() != QProcess::NotRunning; }

void RunProcess::terminateAndWait(int ms) {
  if (!running()) return;
  p_->disconnect(this);
  p_->terminate();
  if (!p_->waitForFinished(ms)) {
    p_->kill();
    p_->waitForFinished(2000);
  }
}

void RunProcess::detach() {
  if (!p_) return;
  p_->disconnect(this);
  // QProcess kills its child when destroyed: this one is never destroyed. Its pipes close when the
  // window exits; the child ignores SIGPIPE (train --notify) and trains on.
  p_->setParent(nullptr);
  p_ = nullptr;
}

}  // namespace udlab::ui
