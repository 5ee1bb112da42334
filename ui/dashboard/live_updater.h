// Drives redraws while runs train: a GUI timer pulls new records from every run and, when something
// arrived, calls the redraw. The interval adapts to what a redraw costs (at least 40× its CPU time,
// never faster than 30 Hz), so the GUI thread spends at most ~5% of a core on plotting however many
// runs and points there are. It also keeps the totals, so that cost can be reported.
#pragma once
#include <QObject>
#include <functional>

class QTimer;

namespace udlab::ui {

class RunManager;

class LiveUpdater : public QObject {
  Q_OBJECT
 public:
  LiveUpdater(RunManager* runs, std::function<void()> redraw, QObject* parent = nullptr);
  void start();
  void stop();
  void forceRedraw();     // e.g. after the set of shown runs changed
  double guiCpuMs() const { return cpuMs_; }  // total thread CPU spent syncing and redrawing
  int redraws() const { return redraws_; }
  int intervalMs() const { return interval_; }

 signals:
  void redrawn();

 private:
  void tick();
  RunManager* runs_;
  std::function<void()> redraw_;
  QTimer* timer_;
  int interval_ = 33;
  double cpuMs_ = 0;
  int redraws_ = 0;
};

}  // namespace udlab::ui
