#include "ui/engine/engine_worker.h"

#include <chrono>
#include <new>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/util/error.h"

namespace udlab::ui {

namespace {
class BufferObserver : public TrainObserver {
 public:
  BufferObserver(EngineWorker* w, MetricsBuffer& b) : w_(w), b_(b) {}
  void on_start(const nlohmann::json& info) override {
    b_.setRunInfo(info);
    if (info.contains("config") && info["config"].is_object()) b_.setConfig(info["config"]);
    qint64 params = info.contains("params") && info["params"].is_number() ? info["params"].get<qint64>() : -1;
    emit w_->started(params);
  }
  void on_metrics(const nlohmann::json& record) override {
    try {
      b_.addRecord(record);
    } catch (const Error&) {
      // A malformed record from the engine must not kill the run; the chart simply lacks it.
    }
  }
  void on_progress(int step, int total, double tps) override {
    auto now = std::chrono::steady_clock::now();
    if (step < total && now - last_ < std::chrono::milliseconds(50)) return;
    last_ = now;
    emit w_->progress(step, total, tps);
  }
  void on_status(const RunStatus& s) override { b_.setStatus(s.state, s.step, s.reason); }

 private:
  EngineWorker* w_;
  MetricsBuffer& b_;
  std::chrono::steady_clock::time_point last_{};
};
}  // namespace

EngineWorker::EngineWorker(RunJob job, std::shared_ptr<MetricsBuffer> buffer, std::shared_ptr<RunControl> control)
    : job_(std::move(job)), buffer_(std::move(buffer)), control_(std::move(control)) {}

void EngineWorker::run() {
#ifdef __linux__
  // Training runs at a lower CPU priority than the GUI thread (Linux nice is per thread, and the
  // engine's OpenMP threads inherit it), so with every core busy the event loop still gets the CPU
  // within a scheduler tick. Failure (already niced further) is harmless. Nice 15 rather than 5: with
  // 4 runs on 2 idle cores the probe in test_ui_engine measured 32-40 ms worst lateness against 43-59 ms.
  setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 15);
#endif
  BufferObserver obs(this, *buffer_);
  QString err;
  try {
    RunStatus st = job_(obs, *control_);
    buffer_->setStatus(st.state, st.step, st.reason);
    emit finished(QString::fromStdString(st.state), QString::fromStdString(st.reason));
    return;
  } catch (const Error& e) {
    err = QString::fromUtf8(e.what());
  } catch (const std::bad_alloc&) {
    err = QStringLiteral("out of memory: the model or batch is too large for this machine");
  } catch (const std::exception& e) {
    err = QStringLiteral("internal error: ") + QString::fromUtf8(e.what());
  }
  buffer_->setStatus("failed", 0, err.toStdString());
  emit error(err);
  emit finished(QStringLiteral("failed"), err);
}

}  // namespace udlab::ui
