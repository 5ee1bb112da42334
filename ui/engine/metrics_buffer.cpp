#include "ui/engine/metrics_buffer.h"

namespace udlab::ui {

void MetricsBuffer::addRecord(const nlohmann::json& record) {
  ParsedRecord p = RunData::parse(record);  // outside the lock: parsing is the expensive part
  std::lock_guard<std::mutex> l(m_);
  pending_.push_back(std::move(p));
  version_.fetch_add(1, std::memory_order_release);
}

void MetricsBuffer::setRunInfo(const nlohmann::json& info) {
  std::lock_guard<std::mutex> l(m_);
  runInfo_ = info;
  version_.fetch_add(1, std::memory_order_release);
}

void MetricsBuffer::setConfig(const nlohmann::json& config) {
  std::lock_guard<std::mutex> l(m_);
  config_ = config;
  version_.fetch_add(1, std::memory_order_release);
}

void MetricsBuffer::setStatus(const std::string& state, int step, const std::string& reason) {
  std::lock_guard<std::mutex> l(m_);
  state_ = state;
  step_ = step;
  reason_ = reason;
  version_.fetch_add(1, std::memory_order_release);
}

bool MetricsBuffer::syncInto(RunData& mirror, uint64_t& seenVersion, Wait wait) {
  if (version() == seenVersion) return false;
  std::vector<ParsedRecord> batch;
  {
    std::unique_lock<std::mutex> l(m_, std::defer_lock);
    if (wait == Wait::Yes) l.lock();
    else if (!l.try_lock()) return false;
    batch.swap(pending_);
    if (mirror.run_info.is_null()) mirror.run_info = runInfo_;
    if (mirror.config.is_null()) mirror.config = config_;
    if (!state_.empty()) {
      mirror.state = state_;
      mirror.status_step = step_;
      mirror.reason = reason_;
    }
    seenVersion = version_.load(std::memory_order_acquire);
  }
  for (auto& p : batch) mirror.apply(std::move(p));
  return true;
}

}  // namespace udlab::ui
