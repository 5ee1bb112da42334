// What the transformer and the group transformer share around their own passes: the positional
// table's size, token staging and validation, the loss over the logits, and next-token prediction.
// Each model provides its workspace, forward, backward and telemetry; this class owns the step around
// them, so both report the loss and refuse over-long sequences the same way.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "core/models/batch_check.h"
#include "core/models/model.h"
#include "core/models/transformer/token_batch.h"
#include "core/util/error.h"

namespace udlab {

template <class S>
class TokenLm : public Model<S> {
 public:
  StepResult forward_backward(const Batch& batch, bool backward, Telemetry* tel) final {
    check_length(batch.T);
    tokens_.load(this->be_, batch, this->vocab_);
    const int B = batch.B, T = batch.T;
    ensure_workspace(B, T);
    forward(B, T);
    const S* w = tokens_.weights<S>(this->be_, batch, weights_buf_);
    const double wsum = TokenBatch::weight_sum(batch);
    // All weights zero: the mean loss is undefined; report 0 and leave zero gradients.
    XentResult xr = this->be_.dense().softmax_xent(logits(), tokens_.targets(), w, backward ? dlogits() : nullptr,
                                                   B * T, this->vocab_, wsum > 0 ? 1.0 / wsum : 0.0);
    if (tel) fill_telemetry(B, T, *tel);
    if (backward) backward_pass(B, T);
    return StepResult{xr.loss_sum, xr.weight_sum, xr.correct};
  }

  std::vector<double> predict_next(const std::vector<int32_t>& context) final {
    // Positions beyond the table cannot be embedded: keep the most recent P_ tokens.
    const int T = int(std::min<size_t>(context.size(), size_t(P_)));
    Batch b = context_batch(std::vector<int32_t>(context.end() - T, context.end()), name_);
    tokens_.load(this->be_, b, this->vocab_);
    ensure_workspace(1, T);
    forward(1, T);
    std::vector<S> row(this->vocab_);
    this->be_.download_bytes(row.data(), logits() + size_t(T - 1) * this->vocab_, row.size() * sizeof(S));
    return std::vector<double>(row.begin(), row.end());
  }

 protected:
  TokenLm(const ModelConfig& cfg, int vocab, Backend<S>& be, std::string name)
      : Model<S>(cfg, vocab, be), name_(std::move(name)) {
    if (vocab <= 0) throw Error(name_ + ": vocabulary is empty");
    if (cfg.max_len < 0) throw Error(name_ + ": --max-len must not be negative");
    P_ = cfg.max_len > 0 ? cfg.max_len : kDefaultPositions;
  }

  virtual void ensure_workspace(int B, int T) = 0;
  virtual void forward(int B, int T) = 0;  // logits() holds [B*T, V] afterwards
  virtual void backward_pass(int B, int T) = 0;  // from dlogits(), into the parameter gradients
  virtual void fill_telemetry(int B, int T, Telemetry& tel) = 0;
  virtual S* logits() = 0;
  virtual S* dlogits() = 0;

  // Bytes of what this class stages per batch, for workspace_bytes.
  static size_t staging_bytes(int B, int T) { return TokenBatch::bytes(B, T) + size_t(B) * T * sizeof(S); }

  void check_length(int T) const {
    if (T <= 0) throw Error(name_ + ": sequence length must be positive");
    if (T > P_)
      throw Error(name_ + ": sequence length " + std::to_string(T) + " exceeds the positional table (" +
                  std::to_string(P_) + "); raise --max-len");
  }

  std::string name_;
  int P_ = 0;  // positions in the table
  TokenBatch tokens_;
  Buffer<S> weights_buf_;

 private:
  // The table needs a size when parameters are declared, before any batch is seen; 128 is the default
  // --seq-len. Longer runs must pass --max-len.
  static constexpr int kDefaultPositions = 128;
};

}  // namespace udlab
