// Pause / resume / cancel / hot-edit requests from another thread (the GUI, a signal handler). The
// trainer checks them between steps only, so a step is never torn and the run directory stays consistent.
#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace udlab {

class RunControl {
 public:
  void request_pause() { paused_ = true; }
  void request_resume() {
    {
      std::lock_guard<std::mutex> l(m_);
      paused_ = false;
      steps_ = 0;  // a step asked for while paused must not fire at the next pause
    }
    cv_.notify_all();
  }
  // While paused: take one optimiser step, then stay paused (TensorFlow Playground's "step").
  // Ignored unless paused.
  void request_step() {
    {
      std::lock_guard<std::mutex> l(m_);
      if (!paused_) return;
      ++steps_;
    }
    cv_.notify_all();
  }
  // True (and consumes it) if a single step was asked for.
  bool take_step() {
    std::lock_guard<std::mutex> l(m_);
    if (steps_ == 0) return false;
    --steps_;
    return true;
  }
  void request_cancel() {
    { std::lock_guard<std::mutex> l(m_); cancelled_ = true; }
    cv_.notify_all();
  }
  // Ends the run as failed with `why` at the next check between steps (also while paused): the run
  // directory went away, so there is nowhere to checkpoint into.
  void request_abort(std::string why) {
    {
      std::lock_guard<std::mutex> l(m_);
      if (abort_.empty()) abort_ = std::move(why);
      cancelled_ = true;
    }
    cv_.notify_all();
  }
  std::string abort_reason() {
    std::lock_guard<std::mutex> l(m_);
    return abort_;
  }
  bool paused() const { return paused_; }
  bool cancelled() const { return cancelled_; }
  // Blocks while paused; returns false if cancelled.
  bool wait_while_paused() {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return !paused_ || cancelled_; });
    return !cancelled_;
  }

  // Queues hyperparameter changes (core/train/hot_edit.h) for the trainer to apply before its next
  // step. Not validated here: callers validate to report errors, and the trainer validates again.
  // Wakes a paused trainer so that an edit made while paused shows in config.json straight away.
  void request_edit(const nlohmann::json& changes) {
    { std::lock_guard<std::mutex> l(m_); edits_.push_back(changes); }
    cv_.notify_all();
  }
  // The queued edits in request order; the queue is left empty.
  std::vector<nlohmann::json> take_edits() {
    std::lock_guard<std::mutex> l(m_);
    return std::exchange(edits_, {});
  }
  // Like wait_while_paused, but also returns when an edit or a single step is queued: true = woken by
  // one while still paused (apply the edits, take the step or wait again), false = resumed or cancelled.
  bool wait_while_paused_or_edit() {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return !paused_ || cancelled_ || !edits_.empty() || steps_ > 0; });
    return paused_ && !cancelled_ && (!edits_.empty() || steps_ > 0);
  }

 private:
  std::atomic<bool> paused_{false}, cancelled_{false};
  std::vector<nlohmann::json> edits_;
  std::string abort_;
  int steps_ = 0;
  std::mutex m_;
  std::condition_variable cv_;
};

}  // namespace udlab
