// The GUI-thread face of one run: owns the worker thread, forwards pause/resume/stop and hot edits to
// the engine's RunControl (checked between steps) and re-emits the worker's signals on the GUI thread.
#pragma once
#include <QObject>
#include <QString>
#include <QThread>
#include <memory>
#include <nlohmann/json.hpp>

#include "ui/engine/metrics_buffer.h"
#include "ui/engine/run_job.h"

namespace udlab::ui {

class TrainingController : public QObject {
  Q_OBJECT
 public:
  enum class State { Idle, Running, Paused, Finished };
  explicit TrainingController(RunJob job, QObject* parent = nullptr);
  ~TrainingController() override;  // cancels a live run and joins its thread

  std::shared_ptr<MetricsBuffer> buffer() const { return buffer_; }
  State state() const { return state_; }
  bool active() const { return state_ == State::Running || state_ == State::Paused; }
  QString finalState() const { return finalState_; }

 public slots:
  void start();
  void pause();
  void resume();
  void step();  // one optimiser step while paused, then paused again
  void stop();

 public:
  // Queues hyperparameter changes (core/train/hot_edit.h) for the engine's next step; ignored unless
  // the run is active. The engine validates again and logs an "edit" event record when it applies them.
  void edit(const nlohmann::json& changes);

 signals:
  void started(qint64 params);
  void progress(int step, int totalSteps, double tokensPerSecond);
  void paused();
  void resumed();
  void finished(QString status);
  void error(QString message);

 private:
  void onWorkerFinished(const QString& state, const QString& reason);

  RunJob job_;
  std::shared_ptr<MetricsBuffer> buffer_ = std::make_shared<MetricsBuffer>();
  std::shared_ptr<RunControl> control_ = std::make_shared<RunControl>();
  QThread* thread_ = nullptr;
  State state_ = State::Idle;
  QString finalState_;
};

}  // namespace udlab::ui
