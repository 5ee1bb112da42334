#include "core/io/run_liveness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/io/run_dir.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab {

std::string this_host() {
  char b[256] = {0};
  if (gethostname(b, sizeof b - 1) != 0) return "unknown";
  return b;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

RunLock::RunLock(const std::string& dir) {
  const std::string path = dir + "/lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) throw Error("cannot lock " + path + ": " + std::strerror(err));
    std::string holder;
    try {
      holder = read_file(path);
    } catch (const Error&) {
    }
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    throw Error("run directory " + dir + " is already being trained by another process (" +
                (holder.empty() ? std::string("holder unknown") : holder) + "; lock file " + path + ")");
  }
  const std::string me = "pid " + std::to_string(::getpid()) + " on " + this_host() + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != ssize_t(me.size()))
    throw Error("cannot write " + path + ": " + std::strerror(errno));
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock; the file stays (it is only a name for the lock)
}

StatusWriter::StatusWriter(std::string status_path) : path_(std::move(status_path)) {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> l(m_);
    while (!cv_.wait_for(l, std::chrono::seconds(kHeartbeatSeconds), [&] { return stop_; })) {
      if (!have_) continue;
      try {
        write_locked();
      } catch (const Error&) {
        // The directory went away or the disk is full: the trainer's own next write reports it.
      }
    }
  });
}

StatusWriter::~StatusWriter() {
  {
    std::lock_guard<std::mutex> l(m_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StatusWriter::write(const RunStatus& s) {
  std::lock_guard<std::mutex> l(m_);
  last_ = s;
  have_ = true;
  write_locked();
}

void StatusWriter::set_step(int step) {
  std::lock_guard<std::mutex> l(m_);
  last_.step = step;
}

namespace {
// Rewrites an existing file in place (no new name in its directory); false when that fails too.
bool overwrite_in_place(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += size_t(w);
  }
  return ::close(fd) == 0 && done == text.size();
}
}  // namespace

void StatusWriter::write_locked() {
  StatusRecord s;
  s.state = last_.state;
  s.step = last_.step;
  s.reason = last_.reason;
  s.pid = long(::getpid());
  s.host = this_host();
  s.heartbeat = unix_now();
  const std::string text = to_json(s).dump(2) + "\n";
  try {
    write_file_atomic(path_, text);
  } catch (const Error&) {
    // The directory refuses new files (e.g. its write permission was taken away mid-run), but
    // status.json itself may still be writable: rewrite it in place, so that the final state
    // ("failed: cannot write ...") still reaches readers. Not atomic; a reader that finds it torn
    // keeps the state it had (RunDirectoryFollower) or says so (readRunDirectory).
    if (!overwrite_in_place(path_, text)) throw;
  }
}

std::string liveness_problem(const nlohmann::json& j, double file_age_s) {
  if (!j.is_object()) return "";
  const StatusRecord s = status_record_from_json(j);
  if (!s.live()) return "";
  const std::string& st = s.state;
  const std::string who = s.pid > 0 ? "pid " + std::to_string(s.pid) + (s.host.empty() ? std::string() : " on " + s.host)
                                    : std::string("its writer");
  // Same host: the pid answers at once (kill -9, OOM), without waiting for the heartbeat to age.
  if (s.pid > 0 && !s.host.empty() && s.host == this_host()) {
    if (::kill(pid_t(s.pid), 0) != 0 && errno == ESRCH)
      return "stopped unexpectedly: " + who + " is gone (crashed or killed) while " + st;
  }
  double age = file_age_s;
  if (s.heartbeat > 0) age = unix_now() - s.heartbeat;
  if (age > kStaleSeconds)
    return "stopped unexpectedly: no heartbeat from " + who + " for " + std::to_string(long(age)) + " s while " + st;
  return "";
}

std::string run_dir_liveness_problem(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path p = fs::path(dir) / "status.json";
  std::error_code ec;
  // A reader following a run sees the directory vanish before any status could say so.
  if (!fs::exists(dir, ec) && !ec) return "run directory " + dir + " was removed";
  const auto t = fs::last_write_time(p, ec);
  if (ec) return "";
  const double age = std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count();
  try {
    return liveness_problem(nlohmann::json::parse(read_file(p.string())), age);
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace udlab
