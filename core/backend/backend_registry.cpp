#include <algorithm>

#include "core/backend/backend.h"

#include <thread>

namespace udlab {

BackendRegistry& BackendRegistry::instance() {
  static BackendRegistry r;
  return r;
}

void BackendRegistry::add(BackendInfo info) {
  auto it = std::find_if(infos_.begin(), infos_.end(), [&](const BackendInfo& b) { return b.name == info.name; });
  if (it != infos_.end()) *it = std::move(info);
  else infos_.push_back(std::move(info));
}

const BackendInfo* BackendRegistry::find(const std::string& name) const {
  for (auto& b : infos_)
    if (b.name == name) return &b;
  return nullptr;
}

std::vector<std::string> BackendRegistry::names() const {
  std::vector<std::string> n;
  for (auto& b : infos_) n.push_back(b.name);
  return n;
}

std::unique_ptr<Backend<float>> BackendRegistry::create(const std::string& device, int threads, bool deterministic,
                                                        std::string* note) const {
  // More threads than cores only oversubscribes (and a huge count from a damaged config makes the
  // OpenMP runtime try to allocate per-thread state for all of them): clamp, and say so.
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  if (threads > cores) {
    std::string clamp = "threads " + std::to_string(threads) + " clamped to the machine's " + std::to_string(cores) + " cores";
    if (note) *note = clamp;
    threads = cores;
  }
  auto add_note = [&](const std::string& s) { if (note) *note = note->empty() ? s : *note + "; " + s; };
  if (device == "auto") {
    std::string why;
    const BackendInfo* cuda = find("cuda");
    if (cuda && cuda->available(&why)) return cuda->make(threads, deterministic);
    add_note("device auto: CUDA unavailable (" + (cuda ? why : std::string("not built with CUDA")) + "), using the CPU");
    return find("cpu")->make(threads, deterministic);
  }
  const BackendInfo* b = find(device);
  if (!b) {
    if (device == "cuda") throw Error("device cuda: this build of udlab has no CUDA backend (rebuild with the CUDA Toolkit)");
    throw Error("unknown device '" + device + "' (choose cpu, cuda or auto)");
  }
  std::string why;
  if (!b->available(&why)) throw Error("device " + device + " is not available: " + why);
  return b->make(threads, deterministic);
}

}  // namespace udlab
