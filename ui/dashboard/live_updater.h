// Drives redraws while runs train. A GUI timer pulls new records from every run; when something
// arrived it asks for a frame (a list of redraw steps, e.g. one per chart) and runs one step per
// event-loop pass, so no single pass holds the loop for a whole dashboard. The interval adapts to
// what a frame costs on the GUI thread, repaints included, against the CPU the training threads got
// meanwhile, so that plotting costs at most kBudget (4%) of training however many runs and points
// there are and however loaded the machine is (but may always take kMinShare of one core, for
// latency); it never redraws faster than 30 Hz. It keeps the
// totals, so that cost can be reported.
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <functional>

#include "ui/dashboard/redraw_steps.h"

class QTimer;

namespace udlab::ui {

class RunManager;

class LiveUpdater : public QObject {
  Q_OBJECT
 public:
  static constexpr int kPollMs = 33, kMaxIntervalMs = 2000;
  static constexpr double kBudget = 0.04;  // GUI-thread CPU per unit of training CPU
  // But at least this share of one core: a record should be drawn within about 100 ms, and a frame of
  // a live dashboard costs ~10 ms, so with one run on a loaded machine 4% of what it gets (under half
  // a core) would allow a frame only every 0.5-1 s.
  static constexpr double kMinShare = 0.10;
  static constexpr double kBurstMs = 100;  // budget that may be saved up while nothing changes

  // viewKey: what the visible view shows besides the runs' data (tab, shown runs, settings); a change
  // of it or of any run's data version (DataKey) causes a frame, whoever pulled the data in.
  LiveUpdater(RunManager* runs, std::function<RedrawSteps()> frame, std::function<uint64_t()> viewKey = {},
              QObject* parent = nullptr);
  // The redraw contract: a frame is drawn whenever this differs from the key of the last frame drawn.
  uint64_t contentKey() const;
  void start();
  void stop();
  // Syncs and runs a whole frame now, e.g. after the set of shown runs changed or before a grab.
  void forceRedraw();
  double guiCpuMs() const { return cpuMs_; }  // total GUI-thread CPU spent syncing, redrawing, repainting
  int redraws() const { return redraws_; }
  int intervalMs() const { return interval_; }
  double lastFrameCpuMs() const { return lastFrameCost_; }
  double worstStepCpuMs() const { return worstStep_; }  // the costliest single redraw step so far

 signals:
  void redrawn();

 private:
  void tick();
  void runNextStep();
  void closeFrame(double nowCpu);
  double trainingCpuMs() const;
  void accrue();
  void spend(double ms);

  RunManager* runs_;
  std::function<RedrawSteps()> frame_;
  std::function<uint64_t()> viewKey_;
  uint64_t drawnKey_ = 0;
  QTimer* timer_;
  QTimer* stepTimer_;  // the next redraw step, after what the last one posted
  RedrawSteps steps_;
  size_t next_ = 0;
  bool running_ = false;
  bool frameOpen_ = false;  // a frame ran; its repaints are charged at the next tick
  double frameCpu0_ = 0, lastFrameCost_ = 0;
  double credit_ = kBurstMs, rate_ = kMinShare;  // the redraw budget left (ms) and its rate (ms per ms)
  double creditWall_ = 0, creditTraining_ = 0;       // wall clock and training CPU at the last accrual
  QElapsedTimer wall_;
  int interval_ = kPollMs;
  double cpuMs_ = 0, worstStep_ = 0;
  int redraws_ = 0;
};

}  // namespace udlab::ui
