// The output layer of the recurrent language models (lstm, rnn-tanh, group-rnn, lru): logits =
// top·Wᵀ + b over M rows, the weighted mean softmax cross-entropy, and its backward. One copy, so
// every model reports the loss the same way: a batch whose weights are all zero has loss 0 and zero
// gradients rather than NaN. (The transformers keep their own head inside their block plumbing.)
#pragma once
#include <cstdint>
#include <vector>

#include "core/backend/backend.h"
#include "core/tensor/param_store.h"

namespace udlab {

template <class S>
class LmHead {
 public:
  // head.weight [V,H] (decayed) and head.bias [V] (not decayed): PyTorch's names and shapes.
  void add_params(ParamStore<S>& ps, int H, int V) {
    H_ = H;
    V_ = V;
    w_ = ps.add("head.weight", {V, H});
    b_ = ps.add("head.bias", {V}, false);
  }
  int weight() const { return w_; }
  int bias() const { return b_; }

  // logits[M,V] = top[M,H]·Wᵀ + b.
  void logits(DenseOps<S>& d, const ParamStore<S>& ps, const S* top, int M, S* out) const {
    d.gemm(false, true, M, V_, H_, S(1), top, H_, ps.value(w_), H_, S(0), out, V_);
    d.add_row_bias(out, ps.value(b_), M, V_);
  }

  // The logits, then the loss summed over rows; dlogits (may be null) gets ∂(mean loss)/∂logits,
  // the mean being over weight_sum.
  XentResult loss(DenseOps<S>& d, const ParamStore<S>& ps, const S* top, int M, S* out, const int32_t* targets,
                  const S* weights, double weight_sum, S* dlogits) const {
    logits(d, ps, top, M, out);
    const double grad_scale = weight_sum > 0 ? 1.0 / weight_sum : 0.0;
    return d.softmax_xent(out, targets, weights, dlogits, M, V_, grad_scale);
  }

  // ∂W and ∂b (written into zeroed gradients, or added with accumulate) and dtop[M,H] = dlogits·W
  // (overwritten).
  void backward(DenseOps<S>& d, ParamStore<S>& ps, const S* top, int M, const S* dlogits, S* dtop,
                bool accumulate = false) const {
    d.gemm(true, false, V_, H_, M, S(1), dlogits, V_, top, H_, accumulate ? S(1) : S(0), ps.grad(w_), H_);
    d.row_bias_grad(dlogits, ps.grad(b_), M, V_);
    d.gemm(false, false, M, H_, V_, S(1), dlogits, V_, ps.value(w_), H_, S(0), dtop, H_);
  }

  // One row's logits on the host, for predict_next; scratch holds V values on the device.
  std::vector<double> row_logits(Backend<S>& be, const ParamStore<S>& ps, const S* row, S* scratch) const {
    logits(be.dense(), ps, row, 1, scratch);
    std::vector<S> z(V_);
    be.download_bytes(z.data(), scratch, sizeof(S) * V_);
    return std::vector<double>(z.begin(), z.end());
  }

 private:
  int w_ = -1, b_ = -1, H_ = 0, V_ = 0;
};

}  // namespace udlab
