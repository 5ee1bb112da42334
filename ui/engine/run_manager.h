// Every run the window knows. Each is a run directory written by one training process: this
// window's own runs are udlab-cli children (a RunProcess each, queued so that at most maxConcurrent
// train at once), others are directories another process writes or wrote. Either way the window
// follows the directory into the run's mirror (RunData), and steers it through its requests/ folder:
// one run source, one steering path. Owns each run's colour for its lifetime.
#pragma once
#include <QColor>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "core/io/run_data.h"
#include "ui/engine/follow_reader.h"

class QTemporaryFile;

namespace udlab::ui {

class RunProcess;

struct RunEntry {
  RunEntry();
  ~RunEntry();
  int id = 0;
  QString name;
  QColor color;
  QString dir;               // run directory
  // queued | running | paused | finished | cancelled | diverged | failed | loaded | stopped unexpectedly
  QString state;
  QString message;           // last error or warning
  int step = 0, totalSteps = 0;
  double tokensPerSecond = 0;
  RunData data;              // GUI-side mirror of the directory
  uint64_t seenVersion = 0;
  bool own = false;                 // queued or started by this window (closing it asks about these)
  RunProcess* process = nullptr;    // this window's training child, while it runs
  QStringList launch;               // a queued run's `udlab-cli train` arguments
  std::unique_ptr<QTemporaryFile> launchConfig;  // the config a queued or starting run is given
  // While the directory may still grow (a child here, or another process's status is live): read on
  // the manager's reader thread.
  std::shared_ptr<FollowReader::Slot> follower;
  std::chrono::steady_clock::time_point lastPoll{};
  // The child has exited; the run is finished off once the reader has read what it left (exitMark).
  std::optional<QString> exitWhy;  // describeExit's text, used only if the child wrote no final status
  uint64_t exitMark = 0;
};

class RunManager : public QObject {
  Q_OBJECT
 public:
  explicit RunManager(QObject* parent = nullptr);
  ~RunManager() override;  // cancels children not left by leaveAll (SIGTERM: checkpoint, "cancelled")

  // At most n runs train at once; 0 (the default) = as many as the cores hold, each run counting for
  // its "threads" setting (0 = all cores), so runs never oversubscribe the CPU. One always runs.
  int maxConcurrent() const { return maxConcurrent_; }
  void setMaxConcurrent(int n);
  int threadsOf(const RunEntry& r) const;  // cores a run occupies
  // Queues a run of `config` into the (existing, empty) directory dir; it starts as a udlab-cli
  // child when a slot is free. Returns its id.
  int addRun(const QString& name, const nlohmann::json& config, const QString& dir, int totalSteps);
  // Adds a run read from disk. If its status says it is still running or paused (another process is
  // writing it), sync() follows the directory from byte `metricsBytes` of metrics.jsonl on.
  int addLoaded(const QString& name, RunData data, const QString& dir, const QString& warning,
                uint64_t metricsBytes = 0);
  static constexpr std::chrono::milliseconds kFollowEvery = FollowReader::kEvery;
  static constexpr std::chrono::seconds kRequestTimeout{3};  // then an unanswered request is withdrawn
  void remove(int id);

  const std::vector<std::unique_ptr<RunEntry>>& runs() const { return runs_; }
  RunEntry* find(int id);
  int activeCount() const;  // this window's runs that are queued or training
  bool isLive(int id);      // training or queued, here or in another process

  // Each writes a request into the run's requests/ directory (core/train/run_requests.h).
  void pause(int id);
  // A paused run continues; a cancelled, failed or stopped-unexpectedly run with a checkpoint is
  // queued again as `udlab-cli train --resume DIR` (one click in the runs panel).
  void resume(int id);
  bool canRestart(int id);
  void step(int id);  // one optimiser step of a paused run
  void stop(int id);
  void stopAll();  // this window's runs only
  // The window closes and leaves its runs training: stop listening to the children, never kill them.
  void leaveAll();
  // Changes hyperparameters of a queued, running or paused run before its next step (the keys of
  // core/train/hot_edit.h). Returns "" when sent, else the reason, also emitted as runError; a
  // refused edit changes nothing. data.config follows when the engine's "edit" record arrives.
  QString edit(int id, const nlohmann::json& changes);
  // CPU time this window's training children have used so far, in ms (the charts' redraw budget is a
  // share of what training gets).
  double childCpuMs() const;
  // Pulls new metrics from every live run into its mirror; returns true if anything changed.
  bool sync();

 signals:
  void runAdded(int id);
  void runRemoved(int id);
  void runChanged(int id);
  void runError(int id, QString message);

 private:
  void schedule();
  void follow(RunEntry& r, uint64_t offset);
  void unfollow(RunEntry& r);
  bool launch(RunEntry& r);
  void onExited(int id, QProcess::ExitStatus status, int code);
  void finishExited(RunEntry& r);
  // A followed run whose writer stopped writing heartbeats: "stopped unexpectedly", follower dropped.
  bool checkAlive(RunEntry& r);
  QColor nextColor();
  QString request(RunEntry& r, const nlohmann::json& request);

  std::unique_ptr<FollowReader> reader_ = std::make_unique<FollowReader>();
  std::vector<std::unique_ptr<RunEntry>> runs_;
  int nextId_ = 1;
  int colorIndex_ = 0;
  int maxConcurrent_ = 0;
};

}  // namespace udlab::ui
