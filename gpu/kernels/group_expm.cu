// Batched matrix exponential and its adjoint for the group family, one thread block per diagonal block
// (math-notes §2, §3.1): the CPU twin's truncated Taylor series by Paterson–Stockmeyer with scaling and
// squaring (core/groups/expm_taylor.h), the same plan from ‖X‖₁, and the Fréchet derivative as the
// off-diagonal block of the same polynomial on [[X, Ēᵀ], [0, X]] (the block-triangular method).
// The powers and accumulators live in shared memory when they fit the device's opt-in limit (blocks up
// to 64 on Hopper), otherwise in a global workspace slice per block (same code, slower memory).
#include "gpu/cuda_check.h"
#include "gpu/kernels/common.cuh"
#include "gpu/kernels/group.cuh"

namespace udlab::gpu {
namespace {

constexpr int kQMax = 4;  // float plans split at most 4 ways (expm_taylor.h: max degree 16)

// C (=, or += with add) = A·B for b×b row-major matrices in the workspace; ends with a barrier.
__device__ inline void mm(int b, const float* A, const float* B, float* C, bool add) {
  for (int e = threadIdx.x; e < b * b; e += blockDim.x) {
    const int i = e / b, j = e % b;
    float s = add ? C[e] : 0.0f;
    for (int k = 0; k < b; ++k) s += A[i * b + k] * B[k * b + j];
    C[e] = s;
  }
  __syncthreads();
}

struct Plan {
  int m, q, s;
};

// expm::choose_plan on the device: the cheapest (degree, squarings), ties to the higher degree.
__device__ inline Plan choose_plan(const ExpmTable& t, double norm1) {
  Plan best{1, 1, 0};
  int best_cost = 1 << 30;
  for (int i = 0; i <= t.max_index; ++i) {
    int s = 0;
    if (norm1 > t.theta[i]) s = int(ceil(log2(norm1 / t.theta[i])));
    const int m = t.degree[i], q = t.split[i];
    const int cost = (q - 1) + m / q - (m % q == 0 ? 1 : 0) + s;
    if (cost <= best_cost) {
      best_cost = cost;
      best = Plan{m, q, s};
    }
  }
  return best;
}

template <bool kFrechet>
__global__ void expm_kernel(GroupShape g, ExpmTable t, const float* Xs, const float* Ebars, float* Lts, float* Es,
                            float* gws, size_t ws_floats) {
  extern __shared__ float smem[];
  __shared__ double norm_shm;
  const int n = g.n, b = g.block, bb = b * b, nb = n / b;
  const size_t mat = blockIdx.x / nb, i0 = size_t(blockIdx.x % nb) * b;
  const size_t off = mat * size_t(n) * n + i0 * n + i0;  // the block's top-left entry
  float* ws = gws ? gws + blockIdx.x * ws_floats : smem;
  float* P = ws;                        // P[(i−1)·bb]: X^i scaled, i = 1..q
  float* D = ws + kQMax * bb;           // Fréchet: D[(i−1)·bb], the directional powers
  float* acc = ws + (kFrechet ? 2 : 1) * kQMax * bb;
  float* tmp = acc + bb;
  float* dacc = tmp + bb;               // Fréchet only
  float* tmp2 = dacc + bb;

  // ‖X‖₁: column sums in float (as Eigen on the CPU), max over columns.
  if (threadIdx.x == 0) norm_shm = 0;
  __syncthreads();
  for (int c = threadIdx.x; c < b; c += blockDim.x) {
    float s = 0;
    for (int i = 0; i < b; ++i) s += fabsf(Xs[off + size_t(i) * n + c]);
    // Non-negative doubles order like their bit patterns: an integer atomicMax is an exact max.
    atomicMax(reinterpret_cast<unsigned long long*>(&norm_shm), __double_as_longlong(double(s)));
  }
  __syncthreads();
  const Plan p = choose_plan(t, norm_shm);
  const float scale = ldexpf(1.0f, -p.s);
  for (int e = threadIdx.x; e < bb; e += blockDim.x) {
    const int i = e / b, j = e % b;
    P[e] = Xs[off + size_t(i) * n + j] * scale;
    if (kFrechet) D[e] = Ebars[off + size_t(j) * n + i] * scale;  // Ēᵀ
  }
  __syncthreads();
  for (int i = 2; i <= p.q; ++i) {
    mm(b, P + (i - 2) * bb, P, P + (i - 1) * bb, false);
    if (kFrechet) {
      mm(b, P + (i - 2) * bb, D, D + (i - 1) * bb, false);
      mm(b, D + (i - 2) * bb, P, D + (i - 1) * bb, true);
    }
  }
  // B_k = Σ_{i<q} c_{kq+i} X^i (elementwise; identity for i = 0), and its directional twin.
  auto chunk = [&](int k, int e, float& v, float& dv) {
    const int i = e / b, j = e % b;
    v = i == j ? t.inv_fact[k * p.q] : 0.0f;
    dv = 0.0f;
    for (int ii = 1; ii < p.q && k * p.q + ii <= p.m; ++ii) {
      v += t.inv_fact[k * p.q + ii] * P[(ii - 1) * bb + e];
      if (kFrechet) dv += t.inv_fact[k * p.q + ii] * D[(ii - 1) * bb + e];
    }
  };
  const int r = p.m / p.q;
  int k;
  const float* Pq = P + (p.q - 1) * bb;
  const float* Dq = D + (p.q - 1) * bb;
  if (p.m % p.q == 0) {
    for (int e = threadIdx.x; e < bb; e += blockDim.x) {
      float v, dv;
      chunk(r - 1, e, v, dv);
      acc[e] = v + t.inv_fact[p.m] * Pq[e];
      if (kFrechet) dacc[e] = dv + t.inv_fact[p.m] * Dq[e];
    }
    k = r - 2;
  } else {
    for (int e = threadIdx.x; e < bb; e += blockDim.x) {
      float v, dv;
      chunk(r, e, v, dv);
      acc[e] = v;
      if (kFrechet) dacc[e] = dv;
    }
    k = r - 1;
  }
  __syncthreads();
  for (; k >= 0; --k) {  // (acc, dacc) ← (B_k, dB_k) + (X^q, D_q)·(acc, dacc)
    if (kFrechet) {
      mm(b, Dq, acc, tmp2, false);
      mm(b, Pq, dacc, tmp2, true);
    }
    mm(b, Pq, acc, tmp, false);
    for (int e = threadIdx.x; e < bb; e += blockDim.x) {
      float v, dv;
      chunk(k, e, v, dv);
      acc[e] = v + tmp[e];
      if (kFrechet) dacc[e] = dv + tmp2[e];
    }
    __syncthreads();
  }
  for (int j = 0; j < p.s; ++j) {  // squaring: (R, L) ← (R², R L + L R)
    if (kFrechet) {
      mm(b, acc, dacc, tmp2, false);
      mm(b, dacc, acc, tmp2, true);
      float* sw = dacc; dacc = tmp2; tmp2 = sw;
    }
    mm(b, acc, acc, tmp, false);
    float* sw = acc; acc = tmp; tmp = sw;
  }
  for (int e = threadIdx.x; e < bb; e += blockDim.x) {
    const int i = e / b, j = e % b;
    if (Es) Es[off + size_t(i) * n + j] = acc[e];
    if (kFrechet) Lts[off + size_t(i) * n + j] = dacc[j * b + i];  // L(X, Ēᵀ)ᵀ = L(Xᵀ, Ē)
  }
}

// 2×2 rotation blocks in closed form (group_kernels.h rot2_exp / rot2_adjoint), one thread per block.
__global__ void rot2_kernel(int n, size_t blocks, const float* Xs, const float* Ebars, float* Lts, float* Es) {
  const int nb = n / 2;
  for (size_t w = blockIdx.x * size_t(blockDim.x) + threadIdx.x; w < blocks; w += size_t(gridDim.x) * blockDim.x) {
    const size_t off = (w / nb) * size_t(n) * n + size_t(w % nb) * 2 * (n + 1);
    const float* x = Xs + off;
    const float theta = (x[n] - x[1]) / 2.0f;
    const float c = cosf(theta), s = sinf(theta);
    if (Es) {
      float* e = Es + off;
      e[0] = c; e[1] = -s; e[n] = s; e[n + 1] = c;
    }
    if (Lts) {
      const float* eb = Ebars + off;
      const float tb = -s * (eb[0] + eb[n + 1]) + c * (eb[n] - eb[1]);
      float* xb = Lts + off;
      xb[0] = 0; xb[1] = -tb / 2.0f; xb[n] = tb / 2.0f; xb[n + 1] = 0;
    }
  }
}

int optin_shared_bytes() {
  static int bytes = [] {
    int dev = 0, v = 0;
    if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess) {
      cudaGetLastError();
      return 48 * 1024;
    }
    return v;
  }();
  return bytes;
}

template <bool kFrechet>
void launch_expm(const GroupShape& g, const ExpmTable& t, const float* X, const float* Ebar, float* Lt, float* E,
                 int count, float* gws, cudaStream_t s, const char* what) {
  if (count <= 0) return;
  if (E) launch_group_zero_off_blocks(g.n, g.block, count, E, s);
  if (kFrechet) launch_group_zero_off_blocks(g.n, g.block, count, Lt, s);
  const size_t blocks = size_t(count) * (g.n / g.block);
  if (g.block == 2) {
    rot2_kernel<<<grid_for(blocks), kThreads, 0, s>>>(g.n, blocks, X, Ebar, Lt, E);
    launch_check(what);
    return;
  }
  const size_t ws = group_expm_workspace_floats(g.block, kFrechet);
  const bool shared = group_expm_fits_shared(g.block, kFrechet);
  const size_t bytes = shared ? ws * sizeof(float) : 0;
  if (shared && bytes > 48 * 1024)
    cuda_check(cudaFuncSetAttribute(expm_kernel<kFrechet>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)), what);
  expm_kernel<kFrechet><<<unsigned(blocks), kThreads, bytes, s>>>(g, t, X, Ebar, Lt, E, shared ? nullptr : gws, ws);
  launch_check(what);
}

}  // namespace

size_t group_expm_workspace_floats(int block, bool frechet) {
  return size_t(frechet ? 2 * kQMax + 4 : kQMax + 2) * block * block;
}

bool group_expm_fits_shared(int block, bool frechet) {
  // The kernel's static shared memory (one double) comes on top of the dynamic part.
  return group_expm_workspace_floats(block, frechet) * sizeof(float) + 64 <= size_t(optin_shared_bytes());
}

void launch_group_exp(const GroupShape& g, const ExpmTable& t, const float* X, float* E, int count, float* gws,
                      cudaStream_t s) {
  launch_expm<false>(g, t, X, nullptr, nullptr, E, count, gws, s, "group exp");
}

void launch_group_exp_adjoint(const GroupShape& g, const ExpmTable& t, const float* X, const float* Ebar, float* Lt,
                              float* E, int count, float* gws, cudaStream_t s) {
  launch_expm<true>(g, t, X, Ebar, Lt, E, count, gws, s, "group exp adjoint");
}

}  // namespace udlab::gpu
