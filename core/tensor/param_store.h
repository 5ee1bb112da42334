// All trainable parameters of a model in one contiguous block, carved into named tensors (llm.c style),
// so that the optimiser, gradient norms and checkpoints walk one list. Shapes are declared first
// (cheap: parameter counting and memory checks happen before any allocation), then allocate().
#pragma once
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "core/backend/device.h"
#include "core/util/error.h"

namespace udlab {

struct ParamSpec {
  std::string name;              // PyTorch-style name, e.g. "rnn.weight_hh_l0"
  std::vector<int64_t> shape;    // row-major
  size_t offset = 0;             // into the block, in elements
  size_t numel = 0;
  bool decay = true;             // AdamW weight decay applies
  double lr_mult = 1.0;          // per-tensor learning-rate multiplier
};

template <class S>
class ParamStore {
 public:
  // Declares a tensor and returns its index. Names must be unique.
  int add(const std::string& name, std::vector<int64_t> shape, bool decay = true, double lr_mult = 1.0) {
    if (index(name) >= 0) throw Error("duplicate parameter name " + name);
    ParamSpec s;
    s.name = name;
    s.numel = 1;
    for (auto d : shape) {
      if (d <= 0) throw Error("parameter " + name + " has a non-positive dimension");
      s.numel *= size_t(d);
    }
    s.shape = std::move(shape);
    s.offset = total_;
    s.decay = decay;
    s.lr_mult = lr_mult;
    total_ += s.numel;
    specs_.push_back(std::move(s));
    return int(specs_.size()) - 1;
  }

  const std::vector<ParamSpec>& specs() const { return specs_; }
  std::vector<ParamSpec>& specs() { return specs_; }
  size_t numel() const { return total_; }
  int index(const std::string& name) const {
    for (size_t i = 0; i < specs_.size(); ++i)
      if (specs_[i].name == name) return int(i);
    return -1;
  }

  // Allocates values and gradients on the device, zero-filled.
  void allocate(Device& dev) {
    dev_ = &dev;
    values_ = Buffer<S>(dev, total_);
    grads_ = Buffer<S>(dev, total_);
  }
  bool allocated() const { return dev_ != nullptr; }
  Device& device() const { return *dev_; }

  S* values() { return values_.data(); }
  S* grads() { return grads_.data(); }
  S* value(int i) { return values_.data() + specs_[i].offset; }
  S* grad(int i) { return grads_.data() + specs_[i].offset; }
  const S* value(int i) const { return values_.data() + specs_[i].offset; }
  void zero_grads() { grads_.zero(); }

  std::vector<S> download_values() const { return values_.download(); }
  std::vector<S> download_grads() const { return grads_.download(); }
  void upload_values(const std::vector<S>& host) {
    if (host.size() != total_) throw Error("parameter block size mismatch");
    values_.upload(host);
  }

 private:
  std::vector<ParamSpec> specs_;
  size_t total_ = 0;
  Device* dev_ = nullptr;
  Buffer<S> values_, grads_;
};

}  // namespace udlab
