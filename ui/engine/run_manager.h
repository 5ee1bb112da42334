// Every run the window knows: live ones (a TrainingController each, queued so that at most
// maxConcurrent train at once) and ones loaded from disk. Owns each run's GUI-side mirror of its
// metrics, refreshed by sync() from the redraw timer, and its colour, which it keeps for its lifetime.
#pragma once
#include <QColor>
#include <QObject>
#include <QString>
#include <memory>
#include <vector>

#include <chrono>

#include "ui/engine/run_data.h"
#include "ui/engine/run_directory_follower.h"
#include "ui/engine/run_job.h"

namespace udlab::ui {

class TrainingController;

struct RunEntry {
  int id = 0;
  QString name;
  QColor color;
  QString dir;               // run directory ("" = none)
  QString state;             // queued | running | paused | finished | cancelled | diverged | failed | loaded
  QString message;           // last error or warning
  int step = 0, totalSteps = 0;
  double tokensPerSecond = 0;
  RunData data;              // GUI-side mirror
  uint64_t seenVersion = 0;
  TrainingController* controller = nullptr;  // null for runs loaded from disk
  // For a directory another process is still writing: followed until its status is final.
  std::unique_ptr<RunDirectoryFollower> follower;
  std::chrono::steady_clock::time_point lastPoll{};
};

class RunManager : public QObject {
  Q_OBJECT
 public:
  explicit RunManager(QObject* parent = nullptr);
  ~RunManager() override;

  // At most n runs train at once; 0 (the default) = as many as the cores hold, each run counting for
  // its "threads" setting (0 = all cores), so runs never oversubscribe the CPU. One always runs.
  int maxConcurrent() const { return maxConcurrent_; }
  void setMaxConcurrent(int n);
  int threadsOf(const RunEntry& r) const;  // cores a run occupies
  // Queues a run; it starts when a slot is free. Returns its id.
  int addRun(const QString& name, RunJob job, const nlohmann::json& config, const QString& dir, int totalSteps);
  // Adds a run read from disk. If its status says it is still running or paused (another process is
  // writing it), sync() follows the directory from byte `metricsBytes` of metrics.jsonl on.
  int addLoaded(const QString& name, RunData data, const QString& dir, const QString& warning,
                uint64_t metricsBytes = 0);
  static constexpr std::chrono::milliseconds kFollowEvery{500};
  static constexpr std::chrono::seconds kRequestTimeout{3};  // then an unanswered request is withdrawn
  void remove(int id);

  const std::vector<std::unique_ptr<RunEntry>>& runs() const { return runs_; }
  RunEntry* find(int id);
  int activeCount() const;  // running, paused or queued in this window (not runs other processes write)

  // For a run another process trains (a followed directory) these write a request into its directory.
  void pause(int id);
  void resume(int id);
  void step(int id);  // one optimiser step of a paused run
  void stop(int id);
  void stopAll();  // this window's runs only
  // Changes hyperparameters of a running or paused run before its next step (the keys of
  // core/train/hot_edit.h). Returns "" when queued, else the reason, also emitted as runError; a
  // refused edit changes nothing. The entry's config shows the new values at once.
  QString edit(int id, const nlohmann::json& changes);
  // Pulls new metrics from every live run into its mirror; returns true if anything changed.
  bool sync();

 signals:
  void runAdded(int id);
  void runRemoved(int id);
  void runChanged(int id);
  void runError(int id, QString message);

 private:
  void schedule();
  QColor nextColor();
  // Pause, resume, stop or edit for a run another process trains: a file in its requests/ directory.
  QString requestExternal(RunEntry& r, const nlohmann::json& request);
  // This window's run: call `own` on its controller; a followed one: send `action` as a request.
  void steer(int id, const char* action, void (TrainingController::*own)());

  std::vector<std::unique_ptr<RunEntry>> runs_;
  int nextId_ = 1;
  int colorIndex_ = 0;
  int maxConcurrent_ = 0;
};

}  // namespace udlab::ui
