// The group family's structural kernels: Π per group kind, membership error, block sums and norms,
// axpby and dot. The CPU references are core/groups/group_<kind>.cpp, realify.h, skew.h and
// group_kernels.h; formulas (and their float operation order) follow them entry by entry.
#include "gpu/cuda_check.h"
#include "gpu/kernels/common.cuh"
#include "gpu/kernels/group.cuh"

namespace udlab::gpu {
namespace {

// The complex number a realified 2×2 block stands for (realify::get).
__device__ inline float2 cget(const float* M, int n, int j, int k) {
  const float* r0 = M + size_t(2 * j) * n + 2 * k;
  const float* r1 = r0 + n;
  return make_float2((r0[0] + r1[1]) / 2.0f, (r1[0] - r0[1]) / 2.0f);
}
// Entry (ri, ci) of the realified block [[a, −b], [b, a]] of z.
__device__ inline float cpart(float2 z, int ri, int ci) { return ri == ci ? z.x : (ri ? z.y : -z.y); }
__device__ inline float2 skew_h(float2 zjk, float2 zkj) {  // (z_jk − conj(z_kj)) / 2
  return make_float2((zjk.x - zkj.x) / 2.0f, (zjk.y + zkj.y) / 2.0f);
}

// (Z + J Z̄ J⁻¹)/2 at (j, k) (group_sp.cpp: symplectic_average).
__device__ inline float2 sp_avg(const float* X, int n, int d, int j, int k) {
  const int h = d / 2;
  const int sj = j < h ? j + h : j - h, sk = k < h ? k + h : k - h;
  const float sg = (j < h ? 1.0f : -1.0f) * (k < h ? 1.0f : -1.0f);
  float2 a = cget(X, n, j, k), b = cget(X, n, sj, sk);
  return make_float2((a.x + sg * b.x) / 2.0f, (a.y + sg * -b.y) / 2.0f);
}

// One block per matrix, out of place (X and Y do not overlap).
__global__ void project_kernel(GroupShape g, const float* Xs, float* Ys) {
  const int n = g.n;
  const size_t nn = size_t(n) * n;
  const float* X = Xs + blockIdx.x * nn;
  float* Y = Ys + blockIdx.x * nn;
  __shared__ float tr;
  if (g.kind == kGroupSU && threadIdx.x == 0) {
    // Mean imaginary diagonal after the U(d) projection, summed in the CPU's order.
    float s = 0;
    for (int j = 0; j < g.d; ++j) s += skew_h(cget(X, n, j, j), cget(X, n, j, j)).y;
    tr = s / float(g.d);
  }
  __syncthreads();
  for (size_t e = threadIdx.x; e < nn; e += blockDim.x) {
    const int i = int(e / n), c = int(e % n);
    float v;
    if (!g.complex) {
      const int b = g.block, i0 = i / b * b;
      if (c < i0 || c >= i0 + b || c == i) v = 0.0f;
      else v = i < c ? (X[e] - X[size_t(c) * n + i]) / 2.0f : -((X[size_t(c) * n + i] - X[e]) / 2.0f);
    } else {
      const int j = i / 2, k = c / 2, ri = i & 1, ci = c & 1;
      float2 y;
      if (g.kind == kGroupTorus) {
        y = j == k ? make_float2(0.0f, cget(X, n, j, j).y) : make_float2(0.0f, 0.0f);
      } else if (g.kind == kGroupSp) {
        y = skew_h(sp_avg(X, n, g.d, j, k), sp_avg(X, n, g.d, k, j));
      } else {
        // The CPU computes the upper triangle and mirrors it as −conj: same bits (IEEE negation is exact).
        y = j <= k ? skew_h(cget(X, n, j, k), cget(X, n, k, j)) : skew_h(cget(X, n, k, j), cget(X, n, j, k));
        if (j > k) y = make_float2(-y.x, y.y);
        if (g.kind == kGroupSU && j == k) y.y -= tr;
      }
      v = cpart(y, ri, ci);
    }
    Y[e] = v;
  }
}

// err = ‖hᵀh − I‖_F over the diagonal blocks, in double (group_kernels.h membership_error); one block
// per matrix, pairs (i ≤ j) inside each block spread over the threads.
__global__ void membership_kernel(GroupShape g, const float* Gs, double* err) {
  __shared__ double shm[32];
  const int n = g.n, b = g.block;
  const float* h = Gs + blockIdx.x * size_t(n) * n;
  const size_t pairs = size_t(n) * b;  // (i, j) with j in i's block
  double sum = 0;
  for (size_t p = threadIdx.x; p < pairs; p += blockDim.x) {
    const int i = int(p / b), i0 = i / b * b, j = i0 + int(p % b);
    if (j < i) continue;
    double s = 0;
    for (int k = i0; k < i0 + b; ++k) s += double(h[size_t(k) * n + i]) * double(h[size_t(k) * n + j]);
    if (i == j) s -= 1;
    sum += (i == j ? 1 : 2) * s * s;
  }
  sum = block_sum(sum, shm);
  if (threadIdx.x == 0) err[blockIdx.x] = g.complex ? sqrt(sum) / sqrt(2.0) : sqrt(sum);
}

__device__ inline bool in_block(size_t e, int n, int b) {
  const int i = int(e / n), c = int(e % n), i0 = i / b * b;
  return c >= i0 && c < i0 + b;
}

// One thread per entry of C; the k sum runs in order, in double.
__global__ void sum_kernel(int n, int b, int count, const float* P, float* C) {
  const size_t nn = size_t(n) * n;
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < nn; e += size_t(gridDim.x) * blockDim.x) {
    if (!in_block(e, n, b)) continue;
    double s = 0;
    for (int k = 0; k < count; ++k) s += P[k * nn + e];
    C[e] = float(double(C[e]) + s);
  }
}

__global__ void zero_off_blocks_kernel(int n, int b, size_t total, float* M) {
  const size_t nn = size_t(n) * n;
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < total; e += size_t(gridDim.x) * blockDim.x)
    if (!in_block(e % nn, n, b)) M[e] = 0.0f;
}

__global__ void block_norms_kernel(int n, int b, const float* Ms, double* norms) {
  __shared__ double shm[32];
  const size_t nn = size_t(n) * n;
  const float* M = Ms + blockIdx.x * nn;
  double s = 0;
  for (size_t e = threadIdx.x; e < nn; e += blockDim.x)
    if (in_block(e, n, b)) s += double(M[e]) * double(M[e]);
  s = block_sum(s, shm);
  if (threadIdx.x == 0) norms[blockIdx.x] = sqrt(s);
}

__global__ void axpby_kernel(float a, const float* x, float b, const float* y, float* out, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    out[i] = a * x[i] + b * y[i];
}

}  // namespace

void launch_group_project(const GroupShape& g, const float* X, float* Y, int count, cudaStream_t s) {
  if (count <= 0) return;
  project_kernel<<<unsigned(count), kThreads, 0, s>>>(g, X, Y);
  launch_check("group project");
}

void launch_group_membership(const GroupShape& g, const float* G, int count, double* err, cudaStream_t s) {
  if (count <= 0) return;
  membership_kernel<<<unsigned(count), kThreads, 0, s>>>(g, G, err);
  launch_check("group membership error");
}

void launch_group_sum(int n, int block, int count, const float* P, float* C, cudaStream_t s) {
  if (count <= 0) return;
  size_t nn = size_t(n) * n;
  sum_kernel<<<grid_for(nn), kThreads, 0, s>>>(n, block, count, P, C);
  launch_check("group matmul_sum (sum)");
}

void launch_group_zero_off_blocks(int n, int block, int count, float* M, cudaStream_t s) {
  if (block >= n || count <= 0) return;
  size_t total = size_t(n) * n * count;
  zero_off_blocks_kernel<<<grid_for(total), kThreads, 0, s>>>(n, block, total, M);
  launch_check("group zero off blocks");
}

void launch_group_block_norms(int n, int block, int count, const float* M, double* norms, cudaStream_t s) {
  if (count <= 0) return;
  block_norms_kernel<<<unsigned(count), kThreads, 0, s>>>(n, block, M, norms);
  launch_check("group block norms");
}

void launch_axpby(float a, const float* x, float b, const float* y, float* out, size_t n, cudaStream_t s) {
  if (!n) return;
  axpby_kernel<<<grid_for(n), kThreads, 0, s>>>(a, x, b, y, out, n);
  launch_check("axpby");
}

}  // namespace udlab::gpu
