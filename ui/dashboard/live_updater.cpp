#include "ui/dashboard/live_updater.h"

#include <QTimer>
#include <algorithm>
#include <ctime>
#include <functional>
#include <string>

#include "ui/engine/run_manager.h"

namespace udlab::ui {

namespace {
double cpuMs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
double threadCpuMs() { return cpuMs(CLOCK_THREAD_CPUTIME_ID); }
double processCpuMs() { return cpuMs(CLOCK_PROCESS_CPUTIME_ID); }
}  // namespace

LiveUpdater::LiveUpdater(RunManager* runs, std::function<RedrawSteps()> frame, std::function<uint64_t()> viewKey,
                         QObject* parent)
    : QObject(parent),
      runs_(runs),
      frame_(std::move(frame)),
      viewKey_(std::move(viewKey)),
      timer_(new QTimer(this)),
      stepTimer_(new QTimer(this)) {
  timer_->setSingleShot(true);
  connect(timer_, &QTimer::timeout, this, &LiveUpdater::tick);
  stepTimer_->setSingleShot(true);
  stepTimer_->setTimerType(Qt::PreciseTimer);
  stepTimer_->setInterval(1);
  connect(stepTimer_, &QTimer::timeout, this,
          [this] { QMetaObject::invokeMethod(this, &LiveUpdater::runNextStep, Qt::QueuedConnection); });
  wall_.start();
}

uint64_t LiveUpdater::contentKey() const {
  // A version per run: records applied, status, snapshots and events held. Data pulled in outside
  // the timer (a run's final records when it finishes, a followed directory) changes it too, so the
  // charts never keep a stale tail. FNV-1a over the numbers.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i, v >>= 8) h = (h ^ (v & 0xff)) * 1099511628211ull;
  };
  for (auto& r : runs_->runs()) {
    mix(uint64_t(r->id));
    mix(r->data.records);
    mix(r->data.snapshots.size());
    mix(r->data.events.size());
    mix(uint64_t(r->data.status_step));
    mix(std::hash<std::string>{}(r->data.state));
    mix(r->data.run_info.is_null() ? 0 : 1);
  }
  mix(runs_->runs().size());
  if (viewKey_) mix(viewKey_());
  return h;
}

void LiveUpdater::start() {
  running_ = true;
  timer_->start(interval_);
}
void LiveUpdater::stop() {
  running_ = false;
  timer_->stop();
  steps_.clear();
}

double LiveUpdater::trainingCpuMs() const { return processCpuMs() + runs_->childCpuMs(); }

void LiveUpdater::accrue() {
  // What training got since the last look, in cores: the training children's CPU plus this process's
  // less the GUI thread's. The GUI may spend kBudget of that, and kMinShare of one core in any case, so
  // that neither a lull (a pause, an evaluation on one thread) nor a starved run stops the charts.
  const double wall = wall_.nsecsElapsed() / 1e6, training = trainingCpuMs() - threadCpuMs();
  const double dWall = wall - creditWall_;
  if (dWall <= 0) return;
  const double cores = std::max((training - creditTraining_) / dWall, 0.0);
  rate_ = std::max(kBudget * cores, kMinShare);
  credit_ = std::min(kBurstMs, credit_ + rate_ * dWall);
  creditWall_ = wall;
  creditTraining_ = training;
}

void LiveUpdater::spend(double ms) {
  accrue();
  credit_ -= ms;
  // In debt, the next frame waits until the budget has paid it back. The credit is a bucket (capped at
  // kBurstMs), so one costly frame (new series, a relayout) is paid off by the frames after it rather
  // than stretching the next wait, and cheap frames follow the data at the poll rate.
  interval_ = credit_ >= 0 ? kPollMs : std::clamp(int(-credit_ / rate_), kPollMs, kMaxIntervalMs);
}

void LiveUpdater::closeFrame(double nowCpu) {
  if (!frameOpen_) return;
  // The steps and the layout and paint events they caused (the frame closes one pass after the last
  // step), plus the little else that ran meanwhile: charging it all keeps the budget an upper bound.
  lastFrameCost_ = nowCpu - frameCpu0_;
  cpuMs_ += lastFrameCost_;
  spend(lastFrameCost_);
  frameOpen_ = false;
}

void LiveUpdater::forceRedraw() {
  const double c0 = threadCpuMs();
  closeFrame(c0);
  steps_.clear();  // a frame in flight is superseded: this one draws the same data, newer
  runs_->sync();
  drawnKey_ = contentKey();
  for (auto& s : frame_()) s();
  cpuMs_ += threadCpuMs() - c0;
  spend(threadCpuMs() - c0);
  ++redraws_;
  emit redrawn();
}

void LiveUpdater::tick() {
  const double c0 = threadCpuMs();
  closeFrame(c0);
  runs_->sync();
  const uint64_t key = contentKey();
  if (key == drawnKey_) {
    cpuMs_ += threadCpuMs() - c0;
    timer_->start(kPollMs);
    return;
  }
  drawnKey_ = key;
  frameOpen_ = true;
  frameCpu0_ = c0;
  steps_ = frame_();
  next_ = 0;
  stepTimer_->start();
}

void LiveUpdater::runNextStep() {
  if (next_ < steps_.size()) {
    const double c0 = threadCpuMs();
    steps_[next_++]();
    worstStep_ = std::max(worstStep_, threadCpuMs() - c0);
    // The next step waits for what this one posted (its layout and repaint) and for the timers due
    // meanwhile: a queued call alone would be delivered with this step's repaint in one pass, and a
    // timer alone would run right after it, before the timers due meanwhile.
    stepTimer_->start();
    return;
  }
  // Reached one pass after the last step, so its repaint is charged to the frame; also reached when
  // forceRedraw() or stop() dropped the remaining steps.
  closeFrame(threadCpuMs());
  steps_.clear();
  next_ = 0;
  ++redraws_;
  emit redrawn();
  if (running_) timer_->start(interval_);
}

}  // namespace udlab::ui
