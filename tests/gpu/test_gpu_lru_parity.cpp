// LruOps<float>: CUDA scan, reverse scan and parameter kernels against the CPU twin. Skips without a
// CUDA device. NOT YET RUN ON A GPU (see docs/cuda.md).
#include "gpu_parity.h"

namespace udlab::gpu_test {
namespace {

struct LruSetup {
  int B = 3, T = 1000, N = 37;
  std::vector<float> nu_log, theta_log, lam_re, lam_im;
};

// |λ| in roughly [0.9, 0.999] (long memory, the interesting regime) and phases over the circle.
LruSetup make_lambda(Rng& rng, Backend<float>& cpu) {
  LruSetup s;
  s.nu_log.resize(s.N);
  s.theta_log.resize(s.N);
  for (int n = 0; n < s.N; ++n) {
    s.nu_log[n] = float(std::log(-std::log(0.9 + 0.099 * rng.uniform())));
    s.theta_log[n] = float(std::log(0.01 + 6.0 * rng.uniform()));
  }
  s.lam_re.resize(s.N);
  s.lam_im.resize(s.N);
  cpu.lru().lambda(s.nu_log.data(), s.theta_log.data(), s.lam_re.data(), s.lam_im.data(), s.N);
  return s;
}

TEST_F(GpuParity, LruLambdaMatchesCpu) {
  LruSetup s = make_lambda(rng_, *cpu_);
  auto gnu = on_gpu(s.nu_log), gth = on_gpu(s.theta_log);
  Buffer<float> gre(*gpu_, s.N), gim(*gpu_, s.N);
  gpu_->lru().lambda(gnu.data(), gth.data(), gre.data(), gim.data(), s.N);
  // Both evaluate in double and round once; device and host libm may differ in the last double ulp.
  EXPECT_TRUE(close(gre.download(), s.lam_re, 0, 1e-7));
  EXPECT_TRUE(close(gim.download(), s.lam_im, 1e-8, 1e-7));
}

TEST_F(GpuParity, LruScanForwardAndReverseBothMethods) {
  LruSetup s = make_lambda(rng_, *cpu_);
  const size_t len = size_t(s.B) * s.T * s.N;
  auto in_re = randn(len), in_im = randn(len);
  auto glr = on_gpu(s.lam_re), gli = on_gpu(s.lam_im), gir = on_gpu(in_re), gii = on_gpu(in_im);
  struct Case {
    LruScanMethod method;
    int chunk;
  };
  for (Case c : {Case{LruScanMethod::kLoop, kLruDefaultChunk}, Case{LruScanMethod::kChunked, 64},
                 Case{LruScanMethod::kChunked, 7}, Case{LruScanMethod::kChunked, kLruDefaultChunk}})
    for (bool reverse : {false, true}) {
      Buffer<float> gxr(*gpu_, len), gxi(*gpu_, len);
      std::vector<float> xr(len), xi(len);
      gpu_->lru().scan(glr.data(), gli.data(), gir.data(), gii.data(), gxr.data(), gxi.data(), s.B, s.T, s.N, reverse,
                       c.method, c.chunk);
      cpu_->lru().scan(s.lam_re.data(), s.lam_im.data(), in_re.data(), in_im.data(), xr.data(), xi.data(), s.B, s.T,
                       s.N, reverse, c.method, c.chunk);
      // States reach ~|in| / sqrt(1 - |λ|^2) ~ 20; a 1000-step fp32 recurrence accumulates ~1e-5 relative.
      EXPECT_TRUE(close(gxr.download(), xr, 2e-4, 1e-4)) << "re, chunk " << c.chunk << " reverse " << reverse;
      EXPECT_TRUE(close(gxi.download(), xi, 2e-4, 1e-4)) << "im, chunk " << c.chunk << " reverse " << reverse;
    }
  // In place (x aliases in), as the interface allows.
  std::vector<float> xr(len), xi(len);
  cpu_->lru().scan(s.lam_re.data(), s.lam_im.data(), in_re.data(), in_im.data(), xr.data(), xi.data(), s.B, s.T, s.N,
                   false, LruScanMethod::kChunked, 64);
  gpu_->lru().scan(glr.data(), gli.data(), gir.data(), gii.data(), gir.data(), gii.data(), s.B, s.T, s.N, false,
                   LruScanMethod::kChunked, 64);
  EXPECT_TRUE(close(gir.download(), xr, 2e-4, 1e-4)) << "in place";
}

TEST_F(GpuParity, LruParameterGradientsSkipAndNorms) {
  LruSetup s = make_lambda(rng_, *cpu_);
  s.T = 50;
  const int M = s.B * s.T;
  const size_t len = size_t(M) * s.N;
  auto x_re = randn(len), x_im = randn(len), d_re = randn(len), d_im = randn(len), gamma_log = randn(s.N, 0.3);
  auto gnu = on_gpu(s.nu_log), gth = on_gpu(s.theta_log), glr = on_gpu(s.lam_re), gli = on_gpu(s.lam_im);
  auto gxr = on_gpu(x_re), gxi = on_gpu(x_im), gdr = on_gpu(d_re), gdi = on_gpu(d_im), ggl = on_gpu(gamma_log);

  std::vector<float> dnu(s.N, 0.5f), dth(s.N, -0.5f);
  auto gdnu = on_gpu(dnu), gdth = on_gpu(dth);
  gpu_->lru().lambda_grad(gnu.data(), gth.data(), glr.data(), gli.data(), gxr.data(), gxi.data(), gdr.data(),
                          gdi.data(), s.B, s.T, s.N, gdnu.data(), gdth.data());
  cpu_->lru().lambda_grad(s.nu_log.data(), s.theta_log.data(), s.lam_re.data(), s.lam_im.data(), x_re.data(),
                          x_im.data(), d_re.data(), d_im.data(), s.B, s.T, s.N, dnu.data(), dth.data());
  // Same double sums in the same order; only the final float rounding and exp may differ.
  EXPECT_TRUE(close(gdnu.download(), dnu, 1e-6, 1e-6)) << "dnu_log";
  EXPECT_TRUE(close(gdth.download(), dth, 1e-6, 1e-6)) << "dtheta_log";

  std::vector<float> dgl(s.N, 0.25f);
  auto gdgl = on_gpu(dgl);
  gpu_->lru().gamma_grad(gxr.data(), gxi.data(), gdr.data(), gdi.data(), M, s.N, gdgl.data());
  cpu_->lru().gamma_grad(x_re.data(), x_im.data(), d_re.data(), d_im.data(), M, s.N, dgl.data());
  EXPECT_TRUE(close(gdgl.download(), dgl, 1e-6, 1e-6)) << "dgamma_log";

  auto re = x_re, im = x_im;
  gpu_->lru().gamma_scale(ggl.data(), gxr.data(), gxi.data(), M, s.N);
  cpu_->lru().gamma_scale(gamma_log.data(), re.data(), im.data(), M, s.N);
  EXPECT_TRUE(close(gxr.download(), re, 0, 1e-7)) << "gamma_scale re";
  EXPECT_TRUE(close(gxi.download(), im, 0, 1e-7)) << "gamma_scale im";

  const int H = s.N;
  auto D = randn(H), u = randn(len), y = randn(len), g = randn(len);
  auto gD = on_gpu(D), gu = on_gpu(u), gy = on_gpu(y), gg = on_gpu(g);
  gpu_->lru().skip_fwd(gD.data(), gu.data(), gy.data(), M, H);
  cpu_->lru().skip_fwd(D.data(), u.data(), y.data(), M, H);
  EXPECT_TRUE(close(gy.download(), y, 1e-7, 2e-7)) << "skip_fwd";
  std::vector<float> du(len), dD(H, 1.0f);
  Buffer<float> gdu(*gpu_, len);
  auto gdD = on_gpu(dD);
  gpu_->lru().skip_bwd(gD.data(), gu.data(), gg.data(), gdu.data(), gdD.data(), M, H);
  cpu_->lru().skip_bwd(D.data(), u.data(), g.data(), du.data(), dD.data(), M, H);
  EXPECT_TRUE(close(gdu.download(), du, 0, 0)) << "skip_bwd du (one multiply)";
  EXPECT_TRUE(close(gdD.download(), dD, 1e-6, 1e-6)) << "skip_bwd dD";

  std::vector<float> norms(M);
  Buffer<float> gnorms(*gpu_, M);
  gpu_->lru().row_norms(gdr.data(), gdi.data(), M, s.N, gnorms.data());
  cpu_->lru().row_norms(d_re.data(), d_im.data(), M, s.N, norms.data());
  EXPECT_TRUE(close(gnorms.download(), norms, 0, 1e-6)) << "row_norms";
}

}  // namespace
}  // namespace udlab::gpu_test
