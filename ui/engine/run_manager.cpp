#include "ui/engine/run_manager.h"

#include <QThread>
#include <algorithm>

#include "core/train/hot_edit.h"
#include "core/train/run_requests.h"
#include "ui/charts/chart_theme.h"
#include "ui/engine/training_controller.h"

namespace udlab::ui {

RunManager::RunManager(QObject* parent) : QObject(parent) {}

RunManager::~RunManager() {
  // Controllers cancel and join their threads in their destructors.
  for (auto& r : runs_) delete r->controller;
}

void RunManager::setMaxConcurrent(int n) {
  maxConcurrent_ = std::max(0, n);
  schedule();
}

QColor RunManager::nextColor() { return runColor(colorIndex_++); }

int RunManager::addRun(const QString& name, RunJob job, const nlohmann::json& config, const QString& dir, int totalSteps) {
  auto e = std::make_unique<RunEntry>();
  e->id = nextId_++;
  e->name = name;
  e->color = nextColor();
  e->dir = dir;
  e->state = "queued";
  e->totalSteps = totalSteps;
  e->data.config = config;
  auto* c = new TrainingController(std::move(job));
  e->controller = c;
  const int id = e->id;
  connect(c, &TrainingController::started, this, [this, id] {
    if (auto* r = find(id)) r->state = "running";
    emit runChanged(id);
  });
  connect(c, &TrainingController::progress, this, [this, id](int step, int total, double tps) {
    if (auto* r = find(id)) {
      r->step = step;
      r->totalSteps = total;
      r->tokensPerSecond = tps;
    }
    emit runChanged(id);
  });
  connect(c, &TrainingController::paused, this, [this, id] {
    if (auto* r = find(id)) r->state = "paused";
    emit runChanged(id);
  });
  connect(c, &TrainingController::resumed, this, [this, id] {
    if (auto* r = find(id)) r->state = "running";
    emit runChanged(id);
  });
  connect(c, &TrainingController::error, this, [this, id](const QString& m) {
    if (auto* r = find(id)) r->message = m;
    emit runError(id, m);
  });
  connect(c, &TrainingController::finished, this, [this, id](const QString& st) {
    if (auto* r = find(id)) {
      r->state = st;
      uint64_t v = r->seenVersion;
      r->controller->buffer()->syncInto(r->data, v, MetricsBuffer::Wait::Yes);  // the worker has ended
      r->seenVersion = v;
    }
    emit runChanged(id);
    schedule();
  });
  runs_.push_back(std::move(e));
  emit runAdded(id);
  schedule();
  return id;
}

int RunManager::addLoaded(const QString& name, RunData data, const QString& dir, const QString& warning,
                          uint64_t metricsBytes) {
  auto e = std::make_unique<RunEntry>();
  e->id = nextId_++;
  e->name = name;
  e->color = nextColor();
  e->dir = dir;
  e->state = data.state.empty() ? QStringLiteral("loaded") : QString::fromStdString(data.state);
  e->message = warning;
  e->step = data.lastStep();
  if (!dir.isEmpty() && data.live())
    e->follower = std::make_unique<RunDirectoryFollower>(dir.toStdString(), metricsBytes);
  e->data = std::move(data);
  const int id = e->id;
  runs_.push_back(std::move(e));
  emit runAdded(id);
  return id;
}

void RunManager::remove(int id) {
  auto it = std::find_if(runs_.begin(), runs_.end(), [&](auto& r) { return r->id == id; });
  if (it == runs_.end()) return;
  delete (*it)->controller;
  runs_.erase(it);
  emit runRemoved(id);
  schedule();
}

RunEntry* RunManager::find(int id) {
  for (auto& r : runs_)
    if (r->id == id) return r.get();
  return nullptr;
}

int RunManager::activeCount() const {
  int n = 0;
  for (auto& r : runs_)
    if (r->controller && (r->state == "queued" || r->state == "running" || r->state == "paused")) ++n;
  return n;
}

QString RunManager::requestExternal(RunEntry& r, const nlohmann::json& request) {
  try {
    write_run_request(r.dir.toStdString(), request);
    return {};
  } catch (const std::exception& e) {
    const QString m = QString("cannot steer %1: %2").arg(r.name, e.what());
    emit runError(r.id, m);
    return m;
  }
}

void RunManager::steer(int id, const char* action, void (TrainingController::*own)()) {
  auto* r = find(id);
  if (r && r->controller) (r->controller->*own)();
  else if (r && r->follower) requestExternal(*r, {{"action", action}});
}

void RunManager::pause(int id) { steer(id, "pause", &TrainingController::pause); }
void RunManager::resume(int id) { steer(id, "resume", &TrainingController::resume); }
void RunManager::step(int id) { steer(id, "step", &TrainingController::step); }
void RunManager::stop(int id) {
  // A queued run never started: it is cancelled here rather than by its (idle) controller.
  if (auto* r = find(id); r && r->controller && r->state == "queued") {
    r->state = "cancelled";
    emit runChanged(id);
    return;
  }
  steer(id, "stop", &TrainingController::stop);
}
void RunManager::stopAll() {
  // Only this window's runs: closing the window must not stop a run a terminal is training.
  for (auto& r : runs_)
    if (r->controller) stop(r->id);
}

QString RunManager::edit(int id, const nlohmann::json& changes) {
  auto* r = find(id);
  QString error;
  if (!r || (!r->controller && !r->follower))
    error = "only a run that is training (in this window or another process) can be edited";
  else if (r->state != "running" && r->state != "paused" && !(r->controller && r->state == "queued"))
    error = QString("cannot edit a %1 run; only queued, running or paused ones").arg(r->state);
  else
    try {
      validate_hot_edit(changes);
    } catch (const std::exception& e) {
      error = e.what();
    }
  if (!error.isEmpty()) {
    emit runError(id, error);
    return error;
  }
  // data.config follows when the engine's "edit" record arrives.
  if (r->controller) r->controller->edit(changes);
  else if (QString e = requestExternal(*r, {{"action", "edit"}, {"changes", changes}}); !e.isEmpty()) return e;
  emit runChanged(id);
  return {};
}

bool RunManager::sync() {
  bool any = false;
  const auto now = std::chrono::steady_clock::now();
  for (auto& r : runs_) {
    if (r->controller && r->controller->buffer()->syncInto(r->data, r->seenVersion)) any = true;
    if (!r->follower || now - r->lastPoll < kFollowEvery) continue;
    r->lastPoll = now;
    if (int n = r->follower->withdrawUnansweredRequests(kRequestTimeout))
      emit runError(r->id, QString("%1: %2 request(s) went unanswered for %3 s and were withdrawn. The process "
                                   "writing this directory does not take requests: udlab-cli train does; a run "
                                   "trained in another udlab window is steered from that window.")
                               .arg(r->name)
                               .arg(n)
                               .arg(kRequestTimeout.count()));
    const bool changed = r->follower->poll(r->data);
    if (int n = r->follower->takeSkippedLines())
      emit runError(r->id, QString("%1: skipped %2 line(s) of metrics.jsonl that are not metrics records").arg(r->name).arg(n));
    if (!changed) continue;
    any = true;
    r->step = r->data.lastStep();
    r->state = QString::fromStdString(r->data.state);
    if (RunData::isFinalState(r->data.state)) r->follower.reset();  // the writer is done
    emit runChanged(r->id);  // the runs list shows the new step and state
  }
  return any;
}

int RunManager::threadsOf(const RunEntry& r) const {
  const int cores = std::max(1, QThread::idealThreadCount());
  auto it = r.data.config.is_object() ? r.data.config.find("threads") : r.data.config.end();
  const int t = it != r.data.config.end() && it->is_number_integer() ? it->get<int>() : 0;
  return t > 0 ? std::min(t, cores) : cores;
}

void RunManager::schedule() {
  const int cores = std::max(1, QThread::idealThreadCount());
  int running = 0, busy = 0;
  for (auto& r : runs_)
    if (r->controller && r->controller->active()) ++running, busy += threadsOf(*r);
  for (auto& r : runs_) {
    if (r->state != "queued" || !r->controller || r->controller->state() != TrainingController::State::Idle) continue;
    const int need = threadsOf(*r);
    if (maxConcurrent_ > 0 ? running >= maxConcurrent_ : running > 0 && busy + need > cores) break;
    r->state = "running";
    r->controller->start();
    ++running;
    busy += need;
    emit runChanged(r->id);
  }
}

}  // namespace udlab::ui
