// The output layer of the recurrent language models (lstm, rnn-tanh, orth-rnn, group-rnn, lru): logits =
// top·Wᵀ + b over M rows, the weighted mean softmax cross-entropy, and its backward. One copy, so
// every model reports the loss the same way: a batch whose weights are all zero has loss 0 and zero
// gradients rather than NaN. (The transformers keep their own head inside their block plumbing.)
//
// Sequence-level readout (issue 14, ListOps): for a batch with labels, the same linear layer reads one
// pooled feature vector per sequence instead of every position,
//   pooled[b] = Σ_t c[b,t] top[row(b,t)],   mean: c = weights[b,t] / Σ_t weights[b,t];
//                                            last: c = 1 at the last position with weight > 0,
// and the loss is the mean cross-entropy of the B labels (token ids); accuracy counts the labels only.
// Every recurrent model uses it; group-rnn, whose top rows exist a block of steps at a time (recomputation,
// issue 15), through the pieces pool / pooled_loss / pooled_backward / unpool.
// Pooling is one small GEMM per sequence through a strided view of top, so it runs on any backend.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/models/model.h"
#include "core/tensor/param_store.h"
#include "core/util/error.h"

namespace udlab {

template <class S>
class LmHead {
 public:
  // head.weight [V,H] (decayed) and head.bias [V] (not decayed): PyTorch's names and shapes.
  void add_params(ParamStore<S>& ps, int H, int V, double lr_mult = 1.0) {
    H_ = H;
    V_ = V;
    w_ = ps.add("head.weight", {V, H}, true, lr_mult);
    b_ = ps.add("head.bias", {V}, false, lr_mult);
  }
  int weight() const { return w_; }
  int bias() const { return b_; }

  // logits[M,V] = top[M,H]·Wᵀ + b.
  void logits(DenseOps<S>& d, const ParamStore<S>& ps, const S* top, int M, S* out) const {
    d.gemm(false, true, M, V_, H_, S(1), top, H_, ps.value(w_), H_, S(0), out, V_);
    d.add_row_bias(out, ps.value(b_), M, V_);
  }

  // Chooses the readout for the next loss()/backward(): per position, or pooled when the batch has
  // labels. readout (ModelConfig::readout): "auto" (pooled mean for labelled batches, else per position),
  // "token", "mean" or "last"; a readout that does not fit the batch is a udlab::Error. time_major: row
  // t·B + b of top is sequence b at step t (else row b·T + t).
  void set_batch(Device& dev, const Batch& batch, const std::string& readout, bool time_major) {
    const bool labelled = !batch.labels.empty();
    if (readout != "auto" && readout != "token" && readout != "mean" && readout != "last")
      throw Error("readout must be auto, token, mean or last (got '" + readout + "')");
    if (labelled && readout == "token")
      throw Error("this dataset labels whole sequences: use --readout mean or last, not token");
    if (!labelled && (readout == "mean" || readout == "last"))
      throw Error("--readout " + readout + " needs a dataset that labels whole sequences (listops)");
    mode_ = !labelled ? "token" : readout == "auto" ? "mean" : readout;
    if (!labelled) return;
    const int B = batch.B, T = batch.T;
    if (batch.labels.size() != size_t(B)) throw Error("batch: labels must hold one entry per sequence");
    std::vector<S> c(size_t(B) * T, S(0));
    for (int b = 0; b < B; ++b) {
      if (batch.labels[b] < 0 || batch.labels[b] >= V_)
        throw Error("batch: label " + std::to_string(batch.labels[b]) + " is outside the vocabulary");
      double sum = 0;
      int last = -1;
      for (int t = 0; t < T; ++t) {
        double w = batch.weights.empty() ? 1.0 : batch.weights[size_t(b) * T + t];
        if (w > 0) last = t;
        sum += w;
      }
      if (last < 0 || !(sum > 0)) throw Error("batch: a labelled sequence has no position to pool");
      for (int t = 0; t < T; ++t) {
        double w = batch.weights.empty() ? 1.0 : batch.weights[size_t(b) * T + t];
        c[size_t(b) * T + t] = S(mode_ == "last" ? (t == last ? 1.0 : 0.0) : w / sum);
      }
    }
    B_ = B;
    T_ = T;
    time_major_ = time_major;
    coef_.resize(dev, c.size());
    coef_.upload(c);
    labels_.resize(dev, size_t(B));
    labels_.upload(batch.labels);
    pooled_.resize(dev, size_t(B) * H_);
  }
  bool pooled() const { return mode_ != "token"; }

  // The logits, then the loss summed over rows; dlogits (may be null) gets ∂(mean loss)/∂logits,
  // the mean being over weight_sum. Pooled: out and dlogits hold B rows, targets and weights are
  // ignored (the labels count, one each).
  XentResult loss(DenseOps<S>& d, const ParamStore<S>& ps, const S* top, int M, S* out, const int32_t* targets,
                  const S* weights, double weight_sum, S* dlogits) {
    if (pooled()) {
      pool(d, top, 0, T_);
      return pooled_loss(d, ps, out, dlogits);
    }
    logits(d, ps, top, M, out);
    const double grad_scale = weight_sum > 0 ? 1.0 / weight_sum : 0.0;
    return d.softmax_xent(out, targets, weights, dlogits, M, V_, grad_scale);
  }

  // ∂W and ∂b (written into zeroed gradients, or added with accumulate) and dtop[M,H] = dlogits·W
  // (overwritten).
  void backward(DenseOps<S>& d, ParamStore<S>& ps, const S* top, int M, const S* dlogits, S* dtop,
                bool accumulate = false) {
    if (pooled()) {
      pooled_backward(d, ps, dlogits, accumulate);
      unpool(d, 0, T_, dtop);
      return;
    }
    d.gemm(true, false, V_, H_, M, S(1), dlogits, V_, top, H_, accumulate ? S(1) : S(0), ps.grad(w_), H_);
    d.row_bias_grad(dlogits, ps.grad(b_), M, V_);
    d.gemm(false, false, M, H_, V_, S(1), dlogits, V_, ps.value(w_), H_, S(0), dtop, H_);
  }

  // The pooled readout in pieces, for a model that has its top rows a few steps at a time (group-rnn's
  // blocks and recomputed chunks). top holds the rows of steps t0 .. t0+Tc−1 only, in set_batch's layout.
  //   pool:            pooled[b] (+)= Σ_{t in the piece} c[b,t] top[b,t]  (= for t0 = 0, += after)
  //   pooled_loss:     logits [B,V] into out, the mean cross-entropy of the labels, dlogits (may be null)
  //   pooled_backward: ∂W, ∂b (into zeroed gradients, or added with accumulate); pooled becomes ∂ℓ/∂pooled
  //   unpool:          dtop[b,t] = c[b,t] ∂ℓ/∂pooled[b] for the piece (overwritten)
  void pool(DenseOps<S>& d, const S* top, int t0, int Tc) {
    for (int b = 0; b < B_; ++b)
      d.gemm(false, false, 1, H_, Tc, S(1), coef_.data() + size_t(b) * T_ + t0, T_, top + row0(b, Tc), row_stride(),
             t0 == 0 ? S(0) : S(1), pooled_.data() + size_t(b) * H_, H_);
  }
  XentResult pooled_loss(DenseOps<S>& d, const ParamStore<S>& ps, S* out, S* dlogits) {
    logits(d, ps, pooled_.data(), B_, out);
    return d.softmax_xent(out, labels_.data(), nullptr, dlogits, B_, V_, 1.0 / B_);
  }
  void pooled_backward(DenseOps<S>& d, ParamStore<S>& ps, const S* dlogits, bool accumulate) {
    d.gemm(true, false, V_, H_, B_, S(1), dlogits, V_, pooled_.data(), H_, accumulate ? S(1) : S(0), ps.grad(w_), H_);
    d.row_bias_grad(dlogits, ps.grad(b_), B_, V_);
    S* dpooled = pooled_.data();  // pooled is no longer needed: reuse it for ∂ℓ/∂pooled [B,H]
    d.gemm(false, false, B_, H_, V_, S(1), dlogits, V_, ps.value(w_), H_, S(0), dpooled, H_);
  }
  void unpool(DenseOps<S>& d, int t0, int Tc, S* dtop) {
    for (int b = 0; b < B_; ++b)
      d.gemm(false, false, Tc, H_, 1, S(1), coef_.data() + size_t(b) * T_ + t0, 1, pooled_.data() + size_t(b) * H_, H_,
             S(0), dtop + row0(b, Tc), row_stride());
  }

  // One row's logits on the host, for predict_next; scratch holds V values on the device.
  std::vector<double> row_logits(Backend<S>& be, const ParamStore<S>& ps, const S* row, S* scratch) const {
    logits(be.dense(), ps, row, 1, scratch);
    std::vector<S> z(V_);
    be.download_bytes(z.data(), scratch, sizeof(S) * V_);
    return std::vector<double>(z.begin(), z.end());
  }

 private:
  // Row of (b, first step of a piece of Tc steps) and the stride between steps of b.
  size_t row0(int b, int Tc) const { return (time_major_ ? size_t(b) : size_t(b) * Tc) * H_; }
  int row_stride() const { return time_major_ ? B_ * H_ : H_; }

  int w_ = -1, b_ = -1, H_ = 0, V_ = 0;
  std::string mode_ = "token";
  int B_ = 0, T_ = 0;
  bool time_major_ = false;
  Buffer<S> coef_, pooled_;  // [B,T] pooling weights, [B,H] pooled features (then their gradient)
  Buffer<int32_t> labels_;
};

}  // namespace udlab
