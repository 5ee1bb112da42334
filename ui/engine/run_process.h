// One training run as a child process: `udlab-cli train --notify --quiet …` writing its run
// directory. The directory is the only source of records; the child's stdout lines only say that
// something was just written there (so the window reads it at once rather than at its next poll).
// A crash, an OOM kill or kill -9 ends only the child: exited() reports how it ended.
#pragma once
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace udlab::ui {

// The udlab-cli to launch: $UDLAB_CLI, else beside this executable, else on PATH. "" when none is
// found; then *why says so in a line for the window.
QString findUdlabCli(QString* why = nullptr);

// "exited with signal 9 (killed; out of memory?)", "exited with code 1: <last stderr line>".
QString describeExit(QProcess::ExitStatus status, int code, const QString& stderrTail);

class RunProcess : public QObject {
  Q_OBJECT
 public:
  explicit RunProcess(QObject* parent = nullptr);
  ~RunProcess() override;  // a child still running is left running (see detach)
  // Starts `udlab-cli train ARGS`; false (and *why) when udlab-cli is missing or will not start.
  bool start(const QStringList& trainArgs, QString* why);
  qint64 pid() const;
  bool running() const;
  // The window closes and leaves this run training: stop listening, never kill.
  void detach();
  // SIGTERM (the child checkpoints and ends as cancelled), then SIGKILL after `ms`; waits for it.
  void terminateAndWait(int ms);
  // Last lines the child wrote to stderr (its error message when it fails).
  QString stderrTail() const { return stderrTail_; }

 signals:
  void wrote();                                            // the child says it wrote a record or a status
  void exited(QProcess::ExitStatus status, int exitCode);  // for a crash, exitCode is the signal

 private:
  QProcess* p_;
  QString stderrTail_;
};

}  // namespace udlab::ui
