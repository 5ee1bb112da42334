// AdamW over a ParamStore, honouring each tensor's lr multiplier and weight-decay mask.
// Its moment buffers live on the same device as the parameters; they are checkpointed by name.
#pragma once
#include <cmath>

#include "core/backend/backend.h"
#include "core/tensor/param_store.h"

namespace udlab {

template <class S>
class AdamW {
 public:
  AdamW(Backend<S>& be, ParamStore<S>& ps) : be_(be), ps_(ps), m_(be, ps.numel()), v_(be, ps.numel()) {}

  // One update with learning rate lr; `t` counts updates from 1 (bias correction).
  void step(double lr, double b1, double b2, double eps, double weight_decay, long t) {
    double bc1 = 1 - std::pow(b1, double(t)), bc2 = 1 - std::pow(b2, double(t));
    const auto& specs = ps_.specs();
    for (int i = 0; i < int(specs.size()); ++i) {
      const auto& s = specs[i];
      be_.dense().adamw(ps_.value(i), ps_.grad(i), m_.data() + s.offset, v_.data() + s.offset, s.numel,
                        lr * s.lr_mult, b1, b2, eps, s.decay ? weight_decay : 0.0, bc1, bc2);
    }
  }
  Buffer<S>& m() { return m_; }
  Buffer<S>& v() { return v_; }

 private:
  Backend<S>& be_;
  ParamStore<S>& ps_;
  Buffer<S> m_, v_;
};

}  // namespace udlab
