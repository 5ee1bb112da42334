#include "ui/dashboard/live_updater.h"

#include <QThread>
#include <QTimer>
#include <algorithm>
#include <ctime>

#include "ui/engine/run_manager.h"

namespace udlab::ui {

namespace {
double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
}  // namespace

LiveUpdater::LiveUpdater(RunManager* runs, std::function<RedrawSteps()> frame, QObject* parent)
    : QObject(parent), runs_(runs), frame_(std::move(frame)), timer_(new QTimer(this)) {
  timer_->setSingleShot(true);
  connect(timer_, &QTimer::timeout, this, &LiveUpdater::tick);
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

double LiveUpdater::budgetFraction() {
  // Training may use every core, so the GUI thread's share of one core may be kBudget times the
  // number of cores and still take only kBudget of the machine's training throughput.
  return kBudget * std::max(1, QThread::idealThreadCount());
}

void LiveUpdater::closeFrame(double nowCpu) {
  if (!frameOpen_) return;
  // Everything the GUI thread did since the frame began: the steps, the layout and paint events they
  // caused, and the little else that ran meanwhile. Charging it all keeps the budget an upper bound.
  lastFrameCost_ = nowCpu - frameCpu0_;
  cpuMs_ += lastFrameCost_;
  interval_ = std::clamp(int(lastFrameCost_ / budgetFraction()), kPollMs, kMaxIntervalMs);
  frameOpen_ = false;
}

void LiveUpdater::forceRedraw() {
  const double c0 = threadCpuMs();
  closeFrame(c0);
  steps_.clear();  // a frame in flight is superseded: this one draws the same data, newer
  runs_->sync();
  for (auto& s : frame_()) s();
  cpuMs_ += threadCpuMs() - c0;
  ++redraws_;
  emit redrawn();
}

void LiveUpdater::tick() {
  const double c0 = threadCpuMs();
  closeFrame(c0);
  if (!runs_->sync()) {
    cpuMs_ += threadCpuMs() - c0;
    timer_->start(kPollMs);
    return;
  }
  frameOpen_ = true;
  frameCpu0_ = c0;
  steps_ = frame_();
  next_ = 0;
  runNextStep();
}

void LiveUpdater::runNextStep() {
  if (next_ < steps_.size()) {
    steps_[next_++]();
    // Queued, so pending input, timers and this step's repaint come first.
    QMetaObject::invokeMethod(this, &LiveUpdater::runNextStep, Qt::QueuedConnection);
    return;
  }
  // Also reached when forceRedraw() or stop() dropped the remaining steps.
  steps_.clear();
  next_ = 0;
  ++redraws_;
  emit redrawn();
  if (running_) timer_->start(interval_);
}

}  // namespace udlab::ui
