#include "ui/engine/run_manager.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryFile>
#include <QThread>
#include <algorithm>

#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/train/hot_edit.h"
#include "core/train/run_requests.h"
#include "ui/charts/chart_theme.h"
#include "ui/engine/run_process.h"

namespace udlab::ui {

RunEntry::RunEntry() = default;
RunEntry::~RunEntry() = default;

RunManager::RunManager(QObject* parent) : QObject(parent) {}

RunManager::~RunManager() {
  // The window's closeEvent stopped or left its children (leaveAll). One still attached here belongs
  // to a manager destroyed without closing a window (tests): cancel it cleanly rather than orphan it.
  for (auto& r : runs_)
    if (r->process) r->process->terminateAndWait(10000);
}

void RunManager::setMaxConcurrent(int n) {
  maxConcurrent_ = std::max(0, n);
  schedule();
}

QColor RunManager::nextColor() { return runColor(colorIndex_++); }

int RunManager::addRun(const QString& name, const nlohmann::json& config, const QString& dir, int totalSteps) {
  auto e = std::make_unique<RunEntry>();
  e->id = nextId_++;
  e->name = name;
  e->color = nextColor();
  e->dir = dir;
  e->state = "queued";
  e->own = true;
  e->totalSteps = totalSteps;
  e->data.config = config;
  e->launchConfig = std::make_unique<QTemporaryFile>(QDir::temp().filePath("udlab-launch-XXXXXX.json"));
  if (!e->launchConfig->open() || e->launchConfig->write(QByteArray::fromStdString(config.dump(2))) < 0 ||
      !e->launchConfig->flush()) {
    e->state = "failed";
    e->message = "cannot write the run's configuration to " + QDir::tempPath();
  }
  // The window's name for the run is its label (run_info.json), so legends elsewhere (udlab-cli plot,
  // compare, a reopened window) show the same name. An empty name leaves the directory's name.
  e->launch = {"--config", e->launchConfig->fileName(), "--out", dir};
  if (!name.trimmed().isEmpty()) e->launch << "--label" << name;
  const int id = e->id;
  const bool failed = e->state == "failed";
  runs_.push_back(std::move(e));
  emit runAdded(id);
  if (failed) emit runError(id, find(id)->message);
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
  e->data = std::move(data);
  if (!dir.isEmpty() && e->data.live()) follow(*e, metricsBytes);
  checkAlive(*e);
  const int id = e->id;
  runs_.push_back(std::move(e));
  emit runAdded(id);
  return id;
}

void RunManager::follow(RunEntry& r, uint64_t offset) {
  unfollow(r);
  r.follower = reader_->add(std::make_unique<RunDirectoryFollower>(r.dir.toStdString(), offset));
}

void RunManager::unfollow(RunEntry& r) {
  if (r.follower) reader_->remove(r.follower);
  r.follower.reset();
}

void RunManager::remove(int id) {
  auto it = std::find_if(runs_.begin(), runs_.end(), [&](auto& r) { return r->id == id; });
  if (it == runs_.end() || (*it)->process) return;  // a child of this window is stopped first
  unfollow(**it);
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
    if (r->process || (r->own && r->state == "queued")) ++n;
  return n;
}

bool RunManager::isLive(int id) {
  auto* r = find(id);
  return r && (r->process || r->state == "queued" || r->state == "running" || r->state == "paused");
}

bool RunManager::launch(RunEntry& r) {
  QString why;
  auto* p = new RunProcess(this);
  const int id = r.id;
  connect(p, &RunProcess::wrote, this, [this, id] {
    if (auto* e = find(id); e && e->follower) reader_->wake(*e->follower);
  });
  connect(p, &RunProcess::exited, this, [this, id](QProcess::ExitStatus st, int code) { onExited(id, st, code); });
  if (!p->start(r.launch, &why)) {
    delete p;
    r.state = "failed";
    r.message = why;
    emit runError(id, why);
    return false;
  }
  r.process = p;
  r.state = "running";
  // The child may cut metrics.jsonl back (a resume): the follower notices and starts the history over.
  follow(r, 0);
  nlohmann::json config = std::move(r.data.config);
  r.data = RunData{};  // the follower reads the history from the directory, a resumed one included
  r.data.config = std::move(config);
  return true;
}

void RunManager::onExited(int id, QProcess::ExitStatus st, int code) {
  auto* r = find(id);
  if (!r || !r->process || r->exitWhy) return;
  r->exitWhy = describeExit(st, code, r->process->stderrTail());
  // What the child wrote last is read on the reader thread (sync() finishes the run once it is in):
  // parsing a fast run's tail here stalled the window for most of a second.
  if (r->follower) r->exitMark = reader_->markExit(*r->follower);
  else finishExited(*r);
}

void RunManager::finishExited(RunEntry& r) {
  if (!RunData::isFinalState(r.data.state)) {
    // Killed (kill -9, the OOM killer), crashed, or refused to start: the child could not say so
    // itself. Say it in status.json too, so a reopened window and `udlab-cli status` see it.
    r.data.state = "failed";
    r.data.reason = r.exitWhy->toStdString();
    try {
      StatusRecord s;
      s.state = "failed";
      s.step = r.data.lastStep();
      s.reason = r.data.reason;
      write_json_atomic(r.dir.toStdString() + "/status.json", to_json(s));
    } catch (const std::exception&) {
      // The directory is gone or unwritable: the window still shows why the run ended.
    }
  }
  r.exitWhy.reset();
  r.state = QString::fromStdString(r.data.state);
  r.step = r.data.lastStep();
  if (!r.data.reason.empty() && r.state != "finished") r.message = QString::fromStdString(r.data.reason);
  unfollow(r);
  r.process->deleteLater();
  r.process = nullptr;
  r.launchConfig.reset();
  if (r.state == "failed") emit runError(r.id, r.message);
  emit runChanged(r.id);
  schedule();
}

bool RunManager::checkAlive(RunEntry& r) {
  if (r.process || !r.follower || !r.data.live()) return false;
  const std::string why = run_dir_liveness_problem(r.dir.toStdString());
  if (why.empty()) return false;
  r.state = "stopped unexpectedly";
  r.message = QString::fromStdString(why);
  unfollow(r);
  return true;
}

QString RunManager::request(RunEntry& r, const nlohmann::json& req) {
  try {
    // This window's run may not have written config.json yet: its child takes the request once it runs.
    write_run_request(r.dir.toStdString(), req, r.own && (r.process || r.state == "queued"));
    return {};
  } catch (const std::exception& e) {
    const QString m = QString("cannot steer %1: %2").arg(r.name, e.what());
    emit runError(r.id, m);
    return m;
  }
}

void RunManager::pause(int id) {
  if (auto* r = find(id); r && (r->process || r->follower)) request(*r, {{"action", "pause"}});
}

bool RunManager::canRestart(int id) {
  auto* r = find(id);
  if (!r || r->process || r->dir.isEmpty() || r->follower) return false;
  if (r->state != "cancelled" && r->state != "failed" && r->state != "stopped unexpectedly") return false;
  return QFileInfo::exists(QDir(r->dir).filePath("checkpoint.safetensors")) &&
         QFileInfo::exists(QDir(r->dir).filePath("config.json"));
}

void RunManager::resume(int id) {
  auto* r = find(id);
  if (!r) return;
  if (!canRestart(id)) {
    if (r->process || r->follower) request(*r, {{"action", "resume"}});
    return;
  }
  r->own = true;
  r->state = "queued";
  r->message.clear();
  r->launch = {"--resume", r->dir};
  r->launchConfig.reset();
  r->data.state.clear();
  if (r->data.config.is_object() && r->data.config.contains("steps") && r->data.config["steps"].is_number_integer())
    r->totalSteps = r->data.config["steps"].get<int>();
  emit runChanged(id);
  schedule();
}

void RunManager::step(int id) {
  if (auto* r = find(id); r && (r->process || r->follower)) request(*r, {{"action", "step"}});
}

void RunManager::stop(int id) {
  auto* r = find(id);
  if (!r) return;
  // A queued run never started: it is cancelled here.
  if (r->own && !r->process && r->state == "queued") {
    r->state = "cancelled";
    r->launchConfig.reset();
    emit runChanged(id);
    return;
  }
  if (r->process || r->follower) request(*r, {{"action", "stop"}});
}

void RunManager::stopAll() {
  // Only this window's runs: closing the window must not stop a run a terminal is training.
  for (auto& r : runs_)
    if (r->own && (r->process || r->state == "queued")) stop(r->id);
}

void RunManager::leaveAll() {
  for (auto& r : runs_)
    if (r->process) {
      r->process->detach();
      delete r->process;
      r->process = nullptr;
      r->launchConfig.release();  // its child may not have read it yet: leave the file
    }
}

QString RunManager::edit(int id, const nlohmann::json& changes) {
  auto* r = find(id);
  QString error;
  if (r && r->state != "running" && r->state != "paused" && r->state != "queued")
    error = QString("cannot edit a %1 run; only queued, running or paused ones").arg(r->state);
  else if (!r || (!r->process && !r->follower && !(r->own && r->state == "queued")))
    error = "only a run that is training (in this window or another process) can be edited";
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
  if (QString e = request(*r, {{"action", "edit"}, {"changes", changes}}); !e.isEmpty()) return e;
  emit runChanged(id);
  return {};
}

double RunManager::childCpuMs() const {
  double ms = 0;
  for (auto& r : runs_)
    if (r->process) ms += r->process->cpuMs();
  return ms;
}

bool RunManager::sync() {
  bool any = false;
  const auto now = std::chrono::steady_clock::now();
  for (auto& r : runs_) {
    if (!r->follower) continue;
    if (!r->process && now - r->lastPoll >= kFollowEvery) {
      r->lastPoll = now;
      if (int n = r->follower->follower->withdrawUnansweredRequests(kRequestTimeout))
        emit runError(r->id, QString("%1: %2 request(s) went unanswered for %3 s and were withdrawn. The process "
                                     "writing this directory does not take requests (udlab-cli train does).")
                                 .arg(r->name)
                                 .arg(n)
                                 .arg(kRequestTimeout.count()));
      if (checkAlive(*r)) {
        emit runError(r->id, r->name + ": " + r->message);
        emit runChanged(r->id);
        any = true;
        continue;
      }
    }
    // Checked before the take: a read counted here has already put its result where take() finds it.
    const bool caught = r->exitWhy && FollowReader::caughtUp(*r->follower, r->exitMark);
    FollowUpdate u;
    if (!FollowReader::take(*r->follower, &u)) {
      if (caught && FollowReader::empty(*r->follower)) {
        finishExited(*r);
        any = true;
      }
      continue;
    }
    const bool changed = RunDirectoryFollower::apply(std::move(u), r->data);
    if (int n = r->follower->follower->takeSkippedLines())
      emit runError(r->id, QString("%1: skipped %2 line(s) of metrics.jsonl that are not metrics records").arg(r->name).arg(n));
    if (changed) {
      r->step = r->data.lastStep();
      if (auto* s = r->data.series(Metric::TokensPerS); s && s->size()) r->tokensPerSecond = s->y.back();
      if (!r->data.state.empty()) r->state = QString::fromStdString(r->data.state);
    }
    if (caught) {
      finishExited(*r);
      any = true;
      continue;
    }
    if (!changed) continue;
    any = true;
    // Another process's run: its final status ends the following. A child here is followed until it exits.
    if (!r->process && RunData::isFinalState(r->data.state)) unfollow(*r);
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
    if (r->process) ++running, busy += threadsOf(*r);
  for (auto& r : runs_) {
    if (r->state != "queued" || !r->own || r->process) continue;
    const int need = threadsOf(*r);
    if (maxConcurrent_ > 0 ? running >= maxConcurrent_ : running > 0 && busy + need > cores) break;
    if (launch(*r)) {
      ++running;
      busy += need;
    }
    emit runChanged(r->id);
  }
}

}  // namespace udlab::ui
