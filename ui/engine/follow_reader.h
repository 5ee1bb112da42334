// Reads every followed run directory on one thread of its own, so that neither file reads nor JSON
// parsing run on the GUI thread (a window following four runs that log every step parses thousands of
// records a second). The GUI takes what was read with a try_lock, never waiting for the reader.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/io/run_follower.h"

namespace udlab::ui {

class FollowReader {
 public:
  static constexpr std::chrono::milliseconds kEvery{500};  // a directory nobody rings for is read this often

  struct Slot {
    explicit Slot(std::unique_ptr<RunDirectoryFollower> f) : follower(std::move(f)) {}
    std::unique_ptr<RunDirectoryFollower> follower;
    std::mutex readM;  // one read at a time
    std::mutex m;      // guards pending/has
    FollowUpdate pending;
    bool has = false;
    std::atomic<bool> due{true};
    std::chrono::steady_clock::time_point last{};
    // Reads are numbered as they start; `completed` is the number of the last one whose result is in
    // pending (or that found nothing). A read numbered after a mark started after that moment.
    std::atomic<uint64_t> started{0}, completed{0};
  };

  FollowReader();
  ~FollowReader();
  FollowReader(const FollowReader&) = delete;
  FollowReader& operator=(const FollowReader&) = delete;

  std::shared_ptr<Slot> add(std::unique_ptr<RunDirectoryFollower> follower);
  void remove(const std::shared_ptr<Slot>& slot);
  // The writer says it just wrote: read this directory now.
  void wake(Slot& slot);
  // GUI thread: moves out what was read since the last take; false when nothing (or the reader holds it).
  static bool take(Slot& slot, FollowUpdate* out);
  // The writer has exited: returns the mark to pass to caughtUp(), and rings for a read.
  uint64_t markExit(Slot& slot);
  // True once a read that started after markExit() has put its result in pending: a take() after this
  // holds the tail the writer left, parsed on the reader thread (thousands of lines when a fast run
  // ends), not on the GUI thread.
  static bool caughtUp(const Slot& slot, uint64_t mark) { return slot.completed.load() > mark; }
  // Nothing read waits to be taken (false also while the reader holds the slot).
  static bool empty(Slot& slot);

 private:
  void loop();
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Slot>> slots_;
  bool stop_ = false, woken_ = false;
  std::thread thread_;
};

}  // namespace udlab::ui
