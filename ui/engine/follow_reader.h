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

#include "ui/engine/run_directory_follower.h"

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
  // Everything not yet taken plus a read now, on the calling thread (the writer has exited).
  static FollowUpdate drain(Slot& slot);

 private:
  void loop();
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Slot>> slots_;
  bool stop_ = false, woken_ = false;
  std::thread thread_;
};

}  // namespace udlab::ui
