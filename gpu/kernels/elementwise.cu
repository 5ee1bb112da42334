#include "gpu/cuda_check.h"
#include "gpu/kernels/common.cuh"
#include "gpu/kernels/elementwise.cuh"

namespace udlab::gpu {
namespace {

// One grid-stride kernel for every unary/binary map: the functor carries the pointers.
template <class F>
__global__ void map_kernel(F f, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) f(i);
}

template <class F>
void run_map(F f, size_t n, cudaStream_t s, const char* name) {
  if (n == 0) return;
  map_kernel<<<grid_for(n), kThreads, 0, s>>>(f, n);
  launch_check(name);
}

struct Gelu {
  const float* x; float* y;
  __device__ void operator()(size_t i) const { y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f)); }
};
struct GeluBwd {
  const float* x; const float* dy; float* dx;
  __device__ void operator()(size_t i) const {
    float cdf = 0.5f * (1.0f + erff(x[i] * 0.70710678118654752f));
    float pdf = 0.3989422804014327f * expf(-0.5f * x[i] * x[i]);
    dx[i] = dy[i] * (cdf + x[i] * pdf);
  }
};
struct Sigmoid {
  const float* x; float* y;
  __device__ void operator()(size_t i) const { y[i] = 1.0f / (1.0f + expf(-x[i])); }
};
struct Tanh {
  const float* x; float* y;
  __device__ void operator()(size_t i) const { y[i] = tanhf(x[i]); }
};
struct Axpy {
  float a; const float* x; float* y;
  __device__ void operator()(size_t i) const { y[i] += a * x[i]; }
};
struct Scale {
  float* x; float a;
  __device__ void operator()(size_t i) const { x[i] *= a; }
};
struct Mul {
  const float* a; const float* b; float* y;
  __device__ void operator()(size_t i) const { y[i] = a[i] * b[i]; }
};
struct MulAcc {
  const float* a; const float* b; float* y;
  __device__ void operator()(size_t i) const { y[i] += a[i] * b[i]; }
};
struct ScaleMatrix {
  float* C; int N; int ldc; float beta;
  __device__ void operator()(size_t i) const {
    float& c = C[(i / N) * size_t(ldc) + i % N];
    c = beta == 0.0f ? 0.0f : c * beta;
  }
};
struct AdamW {
  float* p; const float* g; float* m; float* v; float lr, b1, b2, eps, wd, ibc1, ibc2;
  __device__ void operator()(size_t i) const {
    float gi = g[i];
    float mi = b1 * m[i] + (1.0f - b1) * gi;
    float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float mh = mi * ibc1, vh = vi * ibc2;
    p[i] -= lr * (mh / (sqrtf(vh) + eps) + wd * p[i]);
  }
};

}  // namespace

void launch_gelu_fwd(const float* x, float* y, size_t n, cudaStream_t s) { run_map(Gelu{x, y}, n, s, "gelu_fwd"); }
void launch_gelu_bwd(const float* x, const float* dy, float* dx, size_t n, cudaStream_t s) {
  run_map(GeluBwd{x, dy, dx}, n, s, "gelu_bwd");
}
void launch_sigmoid_fwd(const float* x, float* y, size_t n, cudaStream_t s) { run_map(Sigmoid{x, y}, n, s, "sigmoid"); }
void launch_tanh_fwd(const float* x, float* y, size_t n, cudaStream_t s) { run_map(Tanh{x, y}, n, s, "tanh"); }
void launch_axpy(float a, const float* x, float* y, size_t n, cudaStream_t s) { run_map(Axpy{a, x, y}, n, s, "axpy"); }
void launch_scale(float* x, float a, size_t n, cudaStream_t s) { run_map(Scale{x, a}, n, s, "scale"); }
void launch_mul(const float* a, const float* b, float* y, size_t n, cudaStream_t s) { run_map(Mul{a, b, y}, n, s, "mul"); }
void launch_mul_acc(const float* a, const float* b, float* y, size_t n, cudaStream_t s) {
  run_map(MulAcc{a, b, y}, n, s, "mul_acc");
}
void launch_scale_matrix(float* C, int M, int N, int ldc, float beta, cudaStream_t s) {
  if (M <= 0 || N <= 0) return;
  run_map(ScaleMatrix{C, N, ldc, beta}, size_t(M) * N, s, "scale_matrix");
}
void launch_adamw(float* p, const float* g, float* m, float* v, size_t n, float lr, float b1, float b2, float eps,
                  float wd, float inv_bc1, float inv_bc2, cudaStream_t s) {
  run_map(AdamW{p, g, m, v, lr, b1, b2, eps, wd, inv_bc1, inv_bc2}, n, s, "adamw");
}

}  // namespace udlab::gpu
