// LRU parameter-side kernels: λ from (ν, θ), the γ normalisation, closed-form eigenvalue gradients, the
// elementwise skip, and row norms. Reductions follow the CPU twin's order (per batch row, then over rows;
// 64-row column blocks) in double, so the GPU is deterministic and close to the CPU.
#include "gpu/kernels/column_sum.cuh"
#include "gpu/kernels/lru.cuh"

namespace udlab::gpu {
namespace {

constexpr double kTwoPi = 6.283185307179586;

unsigned blocks_for(size_t n) { return unsigned((n + kThreads - 1) / kThreads); }

__global__ void lambda_kernel(const float* nu_log, const float* theta_log, float* lam_re, float* lam_im, int N) {
  int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n >= N) return;
  double mag = exp(-exp(double(nu_log[n])));
  double th = fmod(exp(double(theta_log[n])), kTwoPi);
  lam_re[n] = float(mag * cos(th));
  lam_im[n] = float(mag * sin(th));
}

__global__ void exp_kernel(const float* a, float* out, int N) {
  int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n < N) out[n] = float(exp(double(a[n])));
}

__global__ void scale_planes_kernel(const float* g, float* re, float* im, int N, size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x) {
    float f = g[k % N];
    re[k] *= f;
    im[k] *= f;
  }
}

// part[b, n] = Σ_{t>=1} conj(x[b,t-1]) d[b,t], thread per (b, n), t in order.
__global__ void lambda_grad_rows_kernel(const float* x_re, const float* x_im, const float* d_re, const float* d_im,
                                        int B, int T, int N, double* part_re, double* part_im) {
  size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (k >= size_t(B) * N) return;
  int n = int(k % N), b = int(k / N);
  double sr = 0, si = 0;
  for (int t = 1; t < T; ++t) {
    size_t prev = (size_t(b) * T + t - 1) * N + n, cur = prev + N;
    double xr = x_re[prev], xi = x_im[prev], dr = d_re[cur], di = d_im[cur];
    sr += xr * dr + xi * di;
    si += xr * di - xi * dr;
  }
  part_re[k] = sr;
  part_im[k] = si;
}

__global__ void lambda_grad_finish_kernel(const float* nu_log, const float* theta_log, const float* lam_re,
                                          const float* lam_im, const double* part_re, const double* part_im, int B,
                                          int N, float* dnu_log, float* dtheta_log) {
  int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n >= N) return;
  double sr = 0, si = 0;
  for (int b = 0; b < B; ++b) {
    sr += part_re[size_t(b) * N + n];
    si += part_im[size_t(b) * N + n];
  }
  double lr = lam_re[n], li = lam_im[n];
  double g_re = lr * sr + li * si, g_im = lr * si - li * sr;  // conj(λ)·Σ
  dnu_log[n] += float(-exp(double(nu_log[n])) * g_re);
  dtheta_log[n] += float(exp(double(theta_log[n])) * g_im);
}

struct ReBD {
  const float *b_re, *b_im, *d_re, *d_im;
  int N;
  __device__ double operator()(int m, int n) const {
    size_t k = size_t(m) * N + n;
    return double(b_re[k]) * d_re[k] + double(b_im[k]) * d_im[k];
  }
};
struct GU {
  const float *g, *u;
  int N;
  __device__ double operator()(int m, int n) const {
    size_t k = size_t(m) * N + n;
    return double(g[k]) * u[k];
  }
};

__global__ void skip_fwd_kernel(const float* D, const float* u, float* y, int H, size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x)
    y[k] += D[k % H] * u[k];
}
__global__ void skip_du_kernel(const float* D, const float* g, float* du, int H, size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x)
    du[k] = D[k % H] * g[k];
}

__global__ void complex_row_norms_kernel(const float* re, const float* im, int N, float* out) {
  __shared__ double shm[32];
  size_t off = size_t(blockIdx.x) * N;
  double s = 0;
  for (int n = threadIdx.x; n < N; n += blockDim.x) s += double(re[off + n]) * re[off + n] + double(im[off + n]) * im[off + n];
  s = block_sum(s, shm);
  if (threadIdx.x == 0) out[blockIdx.x] = float(sqrt(s));
}

// The CPU twin sums 64-row blocks; column_sum.cuh does the same unless M needs more than 65535 blocks.
template <class F>
void lru_colsum(F f, int M, int N, void* scratch, float* out, cudaStream_t s, const char* name) {
  column_sum_acc(f, M, N, static_cast<double*>(scratch), out, s, name);
}

}  // namespace

void launch_lru_lambda(const float* nu_log, const float* theta_log, float* lam_re, float* lam_im, int N,
                       cudaStream_t s) {
  if (N <= 0) return;
  lambda_kernel<<<blocks_for(size_t(N)), kThreads, 0, s>>>(nu_log, theta_log, lam_re, lam_im, N);
  launch_check("lru lambda");
}

void launch_lru_gamma_scale(const float* gamma_log, float* re, float* im, int M, int N, void* scratch,
                            cudaStream_t s) {
  size_t total = size_t(M) * size_t(N);
  if (!total) return;
  float* g = static_cast<float*>(scratch);
  exp_kernel<<<blocks_for(size_t(N)), kThreads, 0, s>>>(gamma_log, g, N);
  launch_check("lru gamma_scale (exp)");
  scale_planes_kernel<<<grid_for(total), kThreads, 0, s>>>(g, re, im, N, total);
  launch_check("lru gamma_scale");
}

size_t lru_lambda_grad_scratch_bytes(int B, int N) { return B > 0 && N > 0 ? 2 * size_t(B) * N * sizeof(double) : 0; }

void launch_lru_lambda_grad(const float* nu_log, const float* theta_log, const float* lam_re, const float* lam_im,
                            const float* x_re, const float* x_im, const float* d_re, const float* d_im, int B, int T,
                            int N, float* dnu_log, float* dtheta_log, void* scratch, cudaStream_t s) {
  if (B <= 0 || N <= 0) return;
  double* part_re = static_cast<double*>(scratch);
  double* part_im = part_re + size_t(B) * N;
  lambda_grad_rows_kernel<<<blocks_for(size_t(B) * N), kThreads, 0, s>>>(x_re, x_im, d_re, d_im, B, T, N, part_re,
                                                                         part_im);
  launch_check("lru lambda_grad (rows)");
  lambda_grad_finish_kernel<<<blocks_for(size_t(N)), kThreads, 0, s>>>(nu_log, theta_log, lam_re, lam_im, part_re,
                                                                       part_im, B, N, dnu_log, dtheta_log);
  launch_check("lru lambda_grad");
}

size_t lru_colsum_scratch_bytes(int M, int N) {
  return (M > 0 && N > 0) ? size_t(column_sum_chunks(M)) * size_t(N) * sizeof(double) : 0;
}

void launch_lru_gamma_grad(const float* b_re, const float* b_im, const float* d_re, const float* d_im, int M, int N,
                           float* dgamma_log, void* scratch, cudaStream_t s) {
  lru_colsum(ReBD{b_re, b_im, d_re, d_im, N}, M, N, scratch, dgamma_log, s, "lru gamma_grad");
}

void launch_lru_skip_fwd(const float* D, const float* u, float* y, int M, int H, cudaStream_t s) {
  size_t total = size_t(M) * size_t(H);
  if (!total) return;
  skip_fwd_kernel<<<grid_for(total), kThreads, 0, s>>>(D, u, y, H, total);
  launch_check("lru skip_fwd");
}

void launch_lru_skip_bwd(const float* D, const float* u, const float* g, float* du, float* dD, int M, int H,
                         void* scratch, cudaStream_t s) {
  size_t total = size_t(M) * size_t(H);
  if (!total) return;
  skip_du_kernel<<<grid_for(total), kThreads, 0, s>>>(D, g, du, H, total);
  launch_check("lru skip_bwd (du)");
  lru_colsum(GU{g, u, H}, M, H, scratch, dD, s, "lru skip_bwd (dD)");
}

void launch_lru_row_norms(const float* re, const float* im, int M, int N, float* out, cudaStream_t s) {
  if (M <= 0) return;
  complex_row_norms_kernel<<<M, 128, 0, s>>>(re, im, N, out);
  launch_check("lru row_norms");
}

}  // namespace udlab::gpu
