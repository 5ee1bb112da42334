// The hand-off between the training thread and the GUI: the engine's observer parses each record on
// its own thread and queues it under a mutex held only for a push_back; the GUI's redraw timer swaps
// the queue out (O(1) under the lock) and applies it to its own full-history mirror. No signal per
// record, so a fast run cannot flood the event loop, and the GUI never waits on a parse.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "ui/engine/run_data.h"

namespace udlab::ui {

class MetricsBuffer {
 public:
  void addRecord(const nlohmann::json& record);  // training thread
  void setRunInfo(const nlohmann::json& info);
  void setConfig(const nlohmann::json& config);
  void setStatus(const std::string& state, int step, const std::string& reason);
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // GUI thread: applies what arrived since the last call to mirror; returns whether anything did.
  // One consumer per buffer (the mirror owns the history from then on). Unless `wait`, it never blocks:
  // a training thread at low priority can be descheduled while holding the lock, and the event loop
  // must not wait for it to be scheduled again; the records come next tick.
  enum class Wait { No, Yes };
  bool syncInto(RunData& mirror, uint64_t& seenVersion, Wait wait = Wait::No);

 private:
  std::mutex m_;
  std::vector<ParsedRecord> pending_;
  nlohmann::json runInfo_, config_;
  std::string state_, reason_;
  int step_ = 0;
  std::atomic<uint64_t> version_{0};
};

}  // namespace udlab::ui
