#include "ui/engine/follow_reader.h"

#include <algorithm>

namespace udlab::ui {

FollowReader::FollowReader() : thread_([this] { loop(); }) {}

FollowReader::~FollowReader() {
  {
    std::lock_guard<std::mutex> l(m_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_ptr<FollowReader::Slot> FollowReader::add(std::unique_ptr<RunDirectoryFollower> follower) {
  auto s = std::make_shared<Slot>(std::move(follower));
  {
    std::lock_guard<std::mutex> l(m_);
    slots_.push_back(s);
    woken_ = true;
  }
  cv_.notify_all();
  return s;
}

void FollowReader::remove(const std::shared_ptr<Slot>& slot) {
  std::lock_guard<std::mutex> l(m_);
  slots_.erase(std::remove(slots_.begin(), slots_.end(), slot), slots_.end());
}

void FollowReader::wake(Slot& slot) {
  slot.due = true;
  {
    std::lock_guard<std::mutex> l(m_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool FollowReader::take(Slot& slot, FollowUpdate* out) {
  std::unique_lock<std::mutex> l(slot.m, std::try_to_lock);
  if (!l.owns_lock() || !slot.has) return false;
  *out = std::move(slot.pending);
  slot.pending = FollowUpdate{};
  slot.has = false;
  return true;
}

uint64_t FollowReader::markExit(Slot& slot) {
  const uint64_t mark = slot.started.load();
  wake(slot);
  return mark;
}

bool FollowReader::empty(Slot& slot) {
  std::unique_lock<std::mutex> l(slot.m, std::try_to_lock);
  return l.owns_lock() && !slot.has;
}

void FollowReader::loop() {
  std::unique_lock<std::mutex> l(m_);
  while (!stop_) {
    cv_.wait_for(l, std::chrono::milliseconds(20), [&] { return stop_ || woken_; });
    woken_ = false;
    if (stop_) break;
    const auto slots = slots_;  // read without holding m_, so add/remove/wake never wait for a read
    l.unlock();
    const auto now = std::chrono::steady_clock::now();
    for (auto& s : slots) {
      if (!s->due.exchange(false) && now - s->last < kEvery) continue;
      s->last = now;
      FollowUpdate u;
      const uint64_t n = ++s->started;
      {
        std::lock_guard<std::mutex> r(s->readM);
        u = s->follower->read();
      }
      if (u.reset || !u.records.empty() || u.status) {
        std::lock_guard<std::mutex> p(s->m);
        if (s->has) s->pending.merge(std::move(u));
        else s->pending = std::move(u);
        s->has = true;
      }
      s->completed = n;
    }
    l.lock();
  }
}

}  // namespace udlab::ui
