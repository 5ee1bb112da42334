// The one interface every model implements. Templated on the scalar: float trains, double is used by
// the finite-difference gradient checks. Models talk to memory and math only through Backend<S>.
#pragma once
#include <complex>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/models/model_config.h"
#include "core/models/telemetry.h"
#include "core/tensor/param_store.h"
#include "core/util/rng.h"

namespace udlab {

// B sequences of T+1 tokens (host memory, row-major [B, T+1]): inputs are tokens[:, 0..T-1],
// targets tokens[:, 1..T]. weights [B, T] masks the loss (empty = every position counts 1).
// Tasks whose targets are not the next input (the standard copying problem) fill targets [B, T].
struct Batch {
  int B = 0, T = 0;
  std::vector<int32_t> tokens;
  std::vector<float> weights;
  std::vector<int32_t> targets;  // empty = tokens[:, 1..T]
  // Sequence classification (ListOps): one label (a token id) per sequence [B]. Non-empty = the loss is
  // one cross-entropy per sequence on features pooled over the positions of weight > 0 (lm_head.h).
  std::vector<int32_t> labels;
  int32_t target(int b, int t) const {
    return targets.empty() ? tokens[size_t(b) * (T + 1) + t + 1] : targets[size_t(b) * T + t];
  }
};

struct StepResult {
  double loss_sum = 0;    // weighted sum of per-position cross-entropy, nats
  double weight_sum = 0;  // number of (weighted) predicted positions
  double correct = 0;     // weighted count of argmax hits
  double mean_loss() const { return weight_sum > 0 ? loss_sum / weight_sum : 0.0; }
};

template <class S>
class Model {
 public:
  Model(const ModelConfig& cfg, int vocab, Backend<S>& be) : cfg_(cfg), vocab_(vocab), be_(be) {}
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return cfg_; }
  int vocab() const { return vocab_; }
  Backend<S>& backend() { return be_; }
  ParamStore<S>& params() { return params_; }
  const ParamStore<S>& params() const { return params_; }

  // Fills parameter values (host-side draws from rng, then upload). Requires params().allocate().
  virtual void init(Rng& rng) = 0;
  // Bytes of activations and workspace for B sequences of length T, for the memory check that runs
  // before anything is allocated.
  virtual size_t workspace_bytes(int B, int T) const = 0;
  // Loss over the batch. With backward = true, params().grads() is overwritten with d(mean loss)/dθ,
  // where the mean is over the weighted positions of this batch. tel may be nullptr.
  virtual StepResult forward_backward(const Batch& batch, bool backward, Telemetry* tel) = 0;
  // Logits [vocab] for the token following `context` (used by sampling; may run the whole context).
  virtual std::vector<double> predict_next(const std::vector<int32_t>& context) = 0;
  // Called after each optimiser step (e.g. to re-project learned group elements). Default: nothing.
  virtual void after_update() {}
  // The stream dropout masks are drawn from, when the model has one: checkpointed so that a resumed
  // run with dropout draws the same masks as an uninterrupted one.
  virtual Rng* dropout_rng() { return nullptr; }

 protected:
  ModelConfig cfg_;
  int vocab_;
  Backend<S>& be_;
  ParamStore<S> params_;
};

}  // namespace udlab
