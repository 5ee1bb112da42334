// Pause / resume / cancel requests from another thread (the GUI, a signal handler). The trainer checks
// them between steps only, so a step is never torn and the run directory stays consistent.
#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>

namespace udlab {

class RunControl {
 public:
  void request_pause() { paused_ = true; }
  void request_resume() {
    { std::lock_guard<std::mutex> l(m_); paused_ = false; }
    cv_.notify_all();
  }
  void request_cancel() {
    { std::lock_guard<std::mutex> l(m_); cancelled_ = true; }
    cv_.notify_all();
  }
  bool paused() const { return paused_; }
  bool cancelled() const { return cancelled_; }
  // Blocks while paused; returns false if cancelled.
  bool wait_while_paused() {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return !paused_ || cancelled_; });
    return !cancelled_;
  }

 private:
  std::atomic<bool> paused_{false}, cancelled_{false};
  std::mutex m_;
  std::condition_variable cv_;
};

}  // namespace udlab
