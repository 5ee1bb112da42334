// Op family: causal multi-head attention for both transformers (issue 3).
// Pointers are Device buffers, layouts row-major. The CPU twin is core/backend/cpu/cpu_attention_ops.cpp;
// a CUDA twin implements the same interface in gpu/.
//
// Layout of q, k, v, out and their gradients: [B, T, H, D] with a row stride `ld` between consecutive
// (b, t): element (b, t, h, e) lives at p[(b*T + t)*ld + h*D + e]. The stride lets q, k and v be slices
// of one fused [B*T, 3*H*D] projection (ld = 3*H*D), as GPT-2's c_attn produces them, without copies.
#pragma once
#include <cstddef>
#include <cstdint>

namespace udlab {

template <class S>
class AttentionOps {
 public:
  virtual ~AttentionOps() = default;

  // att[b, h, i, j] = softmax over j <= i of scale * <q_i, k_j> (zero for j > i), saved for backward;
  // att is [B, H, T, T]. out_i = sum_j att_ij v_j (overwrite).
  virtual void causal_attention_fwd(const S* q, const S* k, const S* v, int ld_qkv, S* att, S* out, int ld_out,
                                    int B, int T, int H, int D, S scale) = 0;
  // Gradients of out w.r.t. q, k, v from dout and the saved att. dq, dk, dv are overwritten (=); they
  // share the stride ld_dqkv and may be slices of one fused buffer.
  virtual void causal_attention_bwd(const S* dout, int ld_out, const S* q, const S* k, const S* v, int ld_qkv,
                                    const S* att, S* dq, S* dk, S* dv, int ld_dqkv, int B, int T, int H, int D,
                                    S scale) = 0;

  // The group transformer adds its heads in the Lie algebra: y[r, :] = sum_h x[r, h, :] for x [R, H, D]
  // (overwrite). Backward: dx[r, h, :] = dy[r, :] for every h (overwrite).
  virtual void sum_heads_fwd(const S* x, S* y, int R, int H, int D) = 0;
  virtual void sum_heads_bwd(const S* dy, S* dx, int R, int H, int D) = 0;
};

}  // namespace udlab
