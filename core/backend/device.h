// The memory half of the backend seam: where buffers live and how bytes move to and from the host.
// CPU: plain aligned host memory. CUDA (gpu/): cudaMalloc'd device memory.
// Model code only ever holds pointers it got from here and hands them to ops; it never dereferences
// them itself unless host_accessible() is true (tests only).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace udlab {

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string name() const = 0;          // "cpu", "cuda"
  virtual bool host_accessible() const = 0;      // true when buffers are plain host memory
  virtual void* alloc_bytes(size_t bytes) = 0;   // zero-filled; throws udlab::Error when out of memory
  virtual void free_bytes(void* p) = 0;
  virtual void upload_bytes(void* dst, const void* host_src, size_t bytes) = 0;
  virtual void download_bytes(void* host_dst, const void* src, size_t bytes) = 0;
  virtual void copy_bytes(void* dst, const void* src, size_t bytes) = 0;
  virtual void zero_bytes(void* dst, size_t bytes) = 0;
  virtual void synchronize() {}
  virtual int threads() const { return 1; }
};

// An owning, move-only typed buffer on a Device.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(Device& dev, size_t n) : dev_(&dev), n_(n) {
    if (n) p_ = static_cast<T*>(dev.alloc_bytes(n * sizeof(T)));
  }
  ~Buffer() { reset(); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept { swap(o); }
  Buffer& operator=(Buffer&& o) noexcept { reset(); swap(o); return *this; }

  // Reallocates (zero-filled) only when the size changes.
  void resize(Device& dev, size_t n) {
    if (dev_ == &dev && n == n_) return;
    *this = Buffer(dev, n);
  }
  void reset() {
    if (p_ && dev_) dev_->free_bytes(p_);
    p_ = nullptr;
    n_ = 0;
  }
  T* data() { return p_; }
  const T* data() const { return p_; }
  size_t size() const { return n_; }
  void zero() { if (p_) dev_->zero_bytes(p_, n_ * sizeof(T)); }
  void upload(const std::vector<T>& host) { upload(host.data(), host.size()); }
  void upload(const T* host, size_t n) { if (n) dev_->upload_bytes(p_, host, n * sizeof(T)); }
  std::vector<T> download() const {
    std::vector<T> out(n_);
    if (n_) dev_->download_bytes(out.data(), p_, n_ * sizeof(T));
    return out;
  }

 private:
  void swap(Buffer& o) { std::swap(dev_, o.dev_); std::swap(p_, o.p_); std::swap(n_, o.n_); }
  Device* dev_ = nullptr;
  T* p_ = nullptr;
  size_t n_ = 0;
};

}  // namespace udlab
