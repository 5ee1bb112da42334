// Lives on a QThread: runs one RunJob, feeding a MetricsBuffer. Progress is throttled to ~20 signals
// per second so a fast run cannot flood the GUI's event queue.
#pragma once
#include <QObject>
#include <QString>
#include <memory>

#include "ui/engine/metrics_buffer.h"
#include "ui/engine/run_job.h"

namespace udlab::ui {

class EngineWorker : public QObject {
  Q_OBJECT
 public:
  EngineWorker(RunJob job, std::shared_ptr<MetricsBuffer> buffer, std::shared_ptr<RunControl> control);

 public slots:
  void run();

 signals:
  void started(qint64 params);
  void progress(int step, int totalSteps, double tokensPerSecond);
  void finished(QString state, QString reason);
  void error(QString message);

 private:
  RunJob job_;
  std::shared_ptr<MetricsBuffer> buffer_;
  std::shared_ptr<RunControl> control_;
};

}  // namespace udlab::ui
