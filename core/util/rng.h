// Our own RNG (as llm.c does): std:: distributions differ between standard libraries, and the run
// must be bit-identical across machines and across save/resume. State is two 64-bit words.
#pragma once
#include <cmath>
#include <cstdint>

namespace udlab {

class Rng {
 public:
  explicit Rng(uint64_t seed = 1) { reseed(seed); }
  void reseed(uint64_t seed) {
    state_ = 0;
    inc_ = (seed << 1u) | 1u;
    next_u32();
    state_ += seed ^ 0x853c49e6748fea9bULL;
    next_u32();
  }
  // PCG32 (O'Neill): small, fast, good statistics.
  uint32_t next_u32() {
    uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = static_cast<uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
  }
  uint64_t next_u64() { return (uint64_t(next_u32()) << 32) | next_u32(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return (next_u64() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform integer in [0, n).
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(uniform() * n); }
  // Standard normal (Box-Muller, no cached second value so the state alone defines the stream).
  double normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  uint64_t state() const { return state_; }
  uint64_t inc() const { return inc_; }
  void set_state(uint64_t s, uint64_t inc) { state_ = s; inc_ = inc; }

 private:
  uint64_t state_ = 0, inc_ = 1;
};

}  // namespace udlab
