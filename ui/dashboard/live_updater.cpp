#include "ui/dashboard/live_updater.h"

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

LiveUpdater::LiveUpdater(RunManager* runs, std::function<void()> redraw, QObject* parent)
    : QObject(parent), runs_(runs), redraw_(std::move(redraw)), timer_(new QTimer(this)) {
  timer_->setSingleShot(true);
  connect(timer_, &QTimer::timeout, this, &LiveUpdater::tick);
}

void LiveUpdater::start() { timer_->start(interval_); }
void LiveUpdater::stop() { timer_->stop(); }

void LiveUpdater::forceRedraw() {
  const double c0 = threadCpuMs();
  runs_->sync();
  redraw_();
  cpuMs_ += threadCpuMs() - c0;
  ++redraws_;
  emit redrawn();
}

void LiveUpdater::tick() {
  const double c0 = threadCpuMs();
  if (runs_->sync()) {
    redraw_();
    ++redraws_;
    const double cost = threadCpuMs() - c0;
    cpuMs_ += cost;
    // Budget: plotting may use about 5% of a core. The measured cost excludes the paint events that
    // follow (measured in test_ui_app's plottingCost at roughly as much again), hence 40, not 20.
    interval_ = std::clamp(int(cost * 40), 33, 2000);
    emit redrawn();
  } else {
    cpuMs_ += threadCpuMs() - c0;
  }
  timer_->start(interval_);
}

}  // namespace udlab::ui
