#include "ui/engine/training_controller.h"

#include "ui/engine/engine_worker.h"

namespace udlab::ui {

TrainingController::TrainingController(RunJob job, QObject* parent) : QObject(parent), job_(std::move(job)) {}

TrainingController::~TrainingController() {
  if (thread_) {
    // quit() cannot end a loop that is inside a slot: cancel the run first so run() returns.
    control_->request_cancel();
    thread_->quit();
    thread_->wait();
    delete thread_;
  }
}

void TrainingController::start() {
  if (state_ != State::Idle) return;
  thread_ = new QThread;
  auto* worker = new EngineWorker(job_, buffer_, control_);
  worker->moveToThread(thread_);
  connect(thread_, &QThread::started, worker, &EngineWorker::run);
  connect(thread_, &QThread::finished, worker, &QObject::deleteLater);
  connect(worker, &EngineWorker::started, this, &TrainingController::started);
  connect(worker, &EngineWorker::progress, this, &TrainingController::progress);
  connect(worker, &EngineWorker::error, this, &TrainingController::error);
  connect(worker, &EngineWorker::finished, this, &TrainingController::onWorkerFinished);
  state_ = State::Running;
  thread_->start();
}

void TrainingController::pause() {
  if (state_ != State::Running) return;
  control_->request_pause();
  state_ = State::Paused;
  emit paused();
}

void TrainingController::resume() {
  if (state_ != State::Paused) return;
  control_->request_resume();
  state_ = State::Running;
  emit resumed();
}

void TrainingController::step() {
  if (state_ == State::Paused) control_->request_step();
}

void TrainingController::stop() {
  if (!active()) return;
  control_->request_cancel();
}

void TrainingController::edit(const nlohmann::json& changes) {
  // Before start too: the trainer applies what is queued before its first step.
  if (state_ != State::Finished) control_->request_edit(changes);
}

void TrainingController::onWorkerFinished(const QString& state, const QString& reason) {
  Q_UNUSED(reason);
  state_ = State::Finished;
  finalState_ = state;
  if (thread_) thread_->quit();
  emit finished(state);
}

}  // namespace udlab::ui
