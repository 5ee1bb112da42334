// The op/backend seam (ggml-style): a Device (memory) plus one table of ops per family.
// Models call only these; a CUDA backend in gpu/ fills the same tables without touching model code.
// A backend that lacks a family returns nullptr and the model reports "op family X is not supported
// on backend Y" through require().
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/backend/attention_ops.h"
#include "core/backend/dense_ops.h"
#include "core/backend/device.h"
#include "core/backend/group_ops.h"
#include "core/backend/lru_ops.h"
#include "core/backend/rnn_ops.h"
#include "core/util/error.h"

namespace udlab {

template <class S>
class Backend : public Device {
 public:
  DenseOps<S>& dense() { return *require(dense_.get(), "dense"); }
  RnnOps<S>& rnn() { return *require(rnn_.get(), "rnn"); }
  GroupOps<S>& group() { return *require(group_.get(), "group"); }
  LruOps<S>& lru() { return *require(lru_.get(), "lru"); }
  AttentionOps<S>& attention() { return *require(attention_.get(), "attention"); }

 protected:
  template <class T>
  T* require(T* p, const char* family) {
    if (!p) throw Error(std::string("op family '") + family + "' is not supported on backend '" + name() + "'");
    return p;
  }
  std::unique_ptr<DenseOps<S>> dense_;
  std::unique_ptr<RnnOps<S>> rnn_;
  std::unique_ptr<GroupOps<S>> group_;
  std::unique_ptr<LruOps<S>> lru_;
  std::unique_ptr<AttentionOps<S>> attention_;
};

// What the UI and CLI see of the backends: a name, whether it is usable here and why not, a factory.
// core registers "cpu"; app/ registers "cuda" when built with it.
struct BackendInfo {
  std::string name;
  std::function<bool(std::string* why_not)> available;
  std::function<std::unique_ptr<Backend<float>>(int threads, bool deterministic)> make;
};

class BackendRegistry {
 public:
  static BackendRegistry& instance();
  void add(BackendInfo info);
  const BackendInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;
  // Resolves "cpu", "cuda" or "auto" to a backend. "auto" falls back to the CPU and sets *note.
  std::unique_ptr<Backend<float>> create(const std::string& device, int threads, bool deterministic,
                                         std::string* note = nullptr) const;

 private:
  std::vector<BackendInfo> infos_;
};

}  // namespace udlab
