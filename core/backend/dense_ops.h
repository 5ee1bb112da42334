// Dense ops every model shares: GEMM, bias, embedding, softmax cross-entropy, LayerNorm, GELU,
// elementwise helpers, reductions and the fused AdamW update. All pointers are Device buffers.
// Layout: row-major everywhere (as PyTorch), leading dimension = row stride.
// Convention for backward ops: "+=" means the op accumulates into the gradient, "=" overwrites.
#pragma once
#include <cstdint>

namespace udlab {

struct XentResult {
  double loss_sum = 0;    // sum over rows of weight * (-log p[target])
  double weight_sum = 0;  // sum of weights (row count when weights == nullptr)
  double correct = 0;     // sum of weights where argmax == target
};

template <class S>
class DenseOps {
 public:
  virtual ~DenseOps() = default;

  // C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C. op(X) = X^T when the flag is set.
  // lda/ldb/ldc are row strides of A, B, C as stored (before transposition).
  virtual void gemm(bool trans_a, bool trans_b, int M, int N, int K, S alpha, const S* A, int lda,
                    const S* B, int ldb, S beta, S* C, int ldc) = 0;
  // Y[m, :] += b for every row m of Y[M,N].
  virtual void add_row_bias(S* Y, const S* b, int M, int N) = 0;
  // db[N] += sum over rows of dY[M,N].
  virtual void row_bias_grad(const S* dY, S* db, int M, int N) = 0;

  // out[m, :] = table[idx[m], :]; table is [V,E]. Indices are validated by the caller.
  virtual void embedding_fwd(const S* table, const int32_t* idx, S* out, int M, int E) = 0;
  // dtable[idx[m], :] += dout[m, :] (deterministic order).
  virtual void embedding_bwd(const S* dout, const int32_t* idx, S* dtable, int M, int E) = 0;

  // Fused softmax cross-entropy over logits[M,V]. weights[M] may be nullptr (all ones).
  // dlogits (may be nullptr) = grad_scale * weight * (softmax - onehot(target)).
  virtual XentResult softmax_xent(const S* logits, const int32_t* targets, const S* weights, S* dlogits,
                                  int M, int V, double grad_scale) = 0;

  // LayerNorm over the last dim N of x[M,N] with affine gamma, beta; saves mean[M], rstd[M].
  virtual void layernorm_fwd(const S* x, const S* gamma, const S* beta, S* y, S* mean, S* rstd, int M,
                             int N, double eps) = 0;
  // dx = (overwrite), dgamma += , dbeta += .
  virtual void layernorm_bwd(const S* dy, const S* x, const S* gamma, const S* mean, const S* rstd, S* dx,
                             S* dgamma, S* dbeta, int M, int N) = 0;
  // Exact erf GELU. y = gelu(x); dx = dy * gelu'(x) (overwrite).
  virtual void gelu_fwd(const S* x, S* y, size_t n) = 0;
  virtual void gelu_bwd(const S* x, const S* dy, S* dx, size_t n) = 0;
  virtual void sigmoid_fwd(const S* x, S* y, size_t n) = 0;
  virtual void tanh_fwd(const S* x, S* y, size_t n) = 0;

  // y += a * x ; x *= a ; y = x (elementwise over n).
  virtual void axpy(S a, const S* x, S* y, size_t n) = 0;
  virtual void scale(S* x, S a, size_t n) = 0;
  // y = a * b (elementwise); y += a * b.
  virtual void mul(const S* a, const S* b, S* y, size_t n) = 0;
  virtual void mul_acc(const S* a, const S* b, S* y, size_t n) = 0;

  // Sum of squares in double precision (deterministic for a fixed thread count).
  virtual double sumsq(const S* x, size_t n) = 0;
  // True when any element is NaN or Inf.
  virtual bool has_nonfinite(const S* x, size_t n) = 0;

  // AdamW on one tensor: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
  // p -= lr * (m / bc1 / (sqrt(v / bc2) + eps) + wd * p). bc1 = 1 - b1^t, bc2 = 1 - b2^t.
  virtual void adamw(S* p, const S* g, S* m, S* v, size_t n, double lr, double b1, double b2, double eps,
                     double wd, double bc1, double bc2) = 0;
};

}  // namespace udlab
