// Launchers of the group op family (gpu/cuda_group_ops.cpp), the CUDA twin of core/groups' per-matrix
// maths. Plain declarations: raw device pointers and a copy of GroupSpec's fields, no core types, so
// .cu files stay free of Eigen. A batch is `count` row-major n×n matrices back to back.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>

namespace udlab::gpu {

// GroupSpec's fields; kind uses udlab::GroupKind's numbering (O, SO, U, SU, Torus, BlockDiag, Sp).
struct GroupShape {
  int kind = 0, d = 0, n = 0, block = 0;
  bool complex = false;
};
enum : int { kGroupO = 0, kGroupSO, kGroupU, kGroupSU, kGroupTorus, kGroupBlockDiag, kGroupSp };

// The CPU's Taylor plan tables (core/groups/expm_taylor.h), filled on the host so that the device picks
// the same degree and squarings from ‖X‖₁ as the CPU twin does.
struct ExpmTable {
  double theta[10];
  int degree[10];
  int split[10];
  int max_index;
  float inv_fact[32];
};

// Y = Π(X) per matrix. X and Y must not overlap (the op class copies X aside when they alias).
void launch_group_project(const GroupShape& g, const float* X, float* Y, int count, cudaStream_t s);

// Floats of workspace per diagonal block for the exp kernels (Paterson–Stockmeyer powers, accumulators;
// twice as many for the Fréchet version). The launchers put it in shared memory when it fits the
// device's opt-in limit, otherwise in `gws` (global, count·(n/block)·this many floats).
size_t group_expm_workspace_floats(int block, bool frechet);
bool group_expm_fits_shared(int block, bool frechet);

// E = exp(X) per matrix (X in the algebra; block-diagonal with blocks of g.block; off-block entries of
// E are zeroed). One thread block per diagonal block; 2×2 blocks take the closed rotation form.
void launch_group_exp(const GroupShape& g, const ExpmTable& t, const float* X, float* E, int count, float* gws,
                      cudaStream_t s);
// Lt = L(Xᵀ, Ebar) per matrix (the unprojected adjoint; the caller applies Π), E (may be null) = exp(X).
void launch_group_exp_adjoint(const GroupShape& g, const ExpmTable& t, const float* X, const float* Ebar, float* Lt,
                              float* E, int count, float* gws, cudaStream_t s);

// err[k] (device doubles) = ‖G_kᴴG_k − I‖_F per matrix, over the diagonal blocks, in double, as the CPU.
void launch_group_membership(const GroupShape& g, const float* G, int count, double* err, cudaStream_t s);

// C += Σ_k P_k over the diagonal blocks of size `block` (all of C when block == n), k in order.
void launch_group_sum(int n, int block, int count, const float* P, float* C, cudaStream_t s);
// Zeroes the entries outside the diagonal blocks of every matrix (nothing when block == n).
void launch_group_zero_off_blocks(int n, int block, int count, float* M, cudaStream_t s);
// norms[k] (device doubles) = ‖M_k‖_F over the diagonal blocks.
void launch_group_block_norms(int n, int block, int count, const float* M, double* norms, cudaStream_t s);

// out = a·x + b·y elementwise (out may alias x or y).
void launch_axpby(float a, const float* x, float b, const float* y, float* out, size_t n, cudaStream_t s);

}  // namespace udlab::gpu
