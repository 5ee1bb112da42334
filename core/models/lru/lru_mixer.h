// The recurrent layer inside one block of the deep LRU network (lru_model.h): the LRU itself, or one of
// the lower rungs of the LRU paper's ablation ladder (issue 14). Every rung maps u [B,T,H] → y [B,T,H]
// through N recurrent channels and keeps what its backward needs; the rest of the block (LayerNorm, GLU,
// residual) is the same for all rungs, so that a ladder step changes exactly one thing.
//   lru_layer.h        diagonal complex recurrence: --lru-param stable-exp (the LRU), exp, real-im
//   dense_recurrence.h dense real N×N recurrence:  --lru-param dense, --recurrence tanh | linear
#pragma once
#include <complex>
#include <memory>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/models/model_config.h"
#include "core/tensor/param_store.h"
#include "core/util/rng.h"

namespace udlab {

template <class S>
class LruMixer {
 public:
  virtual ~LruMixer() = default;
  virtual void init(Rng& rng) = 0;
  // u [B,T,H] → y [B,T,H] (=). u must stay alive until backward.
  virtual void forward(Backend<S>& be, const S* u, S* y, int B, int T, LruScanMethod method) = 0;
  // g = ∂ℓ/∂y → du (=); parameter gradients +=. d_re, d_im: caller scratch [B,T,N].
  // delta_norms (may be null) gets a per-row norm of the adjoint of the states, for telemetry.
  virtual void backward(Backend<S>& be, const S* u, const S* g, S* du, S* d_re, S* d_im, LruScanMethod method,
                        S* delta_norms) = 0;
  // ‖x_k‖ per row of the last forward [B·T] (=).
  virtual void state_norms(Backend<S>& be, S* out) = 0;
  // The eigenvalues of the recurrence (λ, or eig(A) for the dense rungs), in double.
  virtual std::vector<std::complex<double>> eigenvalues() = 0;
  // ν_n = −log|λ_n| per channel in double (exactly exp(ν_log) for stable-exp, the trained ν for exp).
  virtual std::vector<double> nu() = 0;
  virtual size_t owned_bytes() const = 0;

 protected:
  static std::vector<double> normals(size_t n, double sd, Rng& rng) {
    std::vector<double> v(n);
    for (auto& x : v) x = sd * rng.normal();
    return v;
  }
  static void upload(ParamStore<S>& ps, int idx, const std::vector<double>& host) {
    std::vector<S> v(host.begin(), host.end());
    ps.device().upload_bytes(ps.value(idx), v.data(), v.size() * sizeof(S));
  }
};

// Elements of the buffers the rung of cfg keeps at M = B·T rows with N channels (its owned_bytes()).
double lru_mixer_saved_elems(const ModelConfig& cfg, double M, double N);

// Builds the rung cfg selects, declaring its tensors as prefix + name. Throws udlab::Error with one line
// for a combination that is not a rung (tanh without dense; dense with ring init or γ) or a rung the
// backend cannot run.
template <class S>
std::unique_ptr<LruMixer<S>> make_lru_mixer(const ModelConfig& cfg, int H, Backend<S>& be, ParamStore<S>& ps,
                                            const std::string& prefix);

}  // namespace udlab
