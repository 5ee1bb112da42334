// The CUDA backend's error paths that can be checked without a GPU: status translation and the
// no-device path of cuda_available / make_cuda_backend (a udlab::Error, never an abort).
#include <gtest/gtest.h>

#include <string>

#include "gpu/cuda_backend.h"
#include "gpu/cuda_check.h"

namespace udlab::gpu {
namespace {

std::string message_of(void (*f)()) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(GpuErrors, CudaStatusBecomesErrorNamingTheOperation) {
  std::string msg = message_of([] { cuda_check(cudaErrorMemoryAllocation, "cudaMalloc (weights)"); });
  EXPECT_NE(msg.find("cudaMalloc (weights)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cudaErrorMemoryAllocation"), std::string::npos) << msg;
  EXPECT_NO_THROW(cuda_check(cudaSuccess, "nothing"));
}

TEST(GpuErrors, CublasStatusBecomesErrorWithText) {
  std::string msg = message_of([] { cublas_check(CUBLAS_STATUS_INVALID_VALUE, "gemm"); });
  EXPECT_NE(msg.find("gemm"), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid value"), std::string::npos) << msg;
  EXPECT_NO_THROW(cublas_check(CUBLAS_STATUS_SUCCESS, "nothing"));
}

TEST(GpuErrors, NoDeviceGivesAReasonAndAnError) {
  std::string why;
  if (cuda_available(&why)) GTEST_SKIP() << "a CUDA device is present; the no-device path cannot be exercised";
  EXPECT_FALSE(why.empty());
  try {
    make_cuda_backend(false);
    FAIL() << "make_cuda_backend succeeded without a device";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
  // Asking twice must give the same answer: the first failure may not poison the runtime state.
  std::string again;
  EXPECT_FALSE(cuda_available(&again));
  EXPECT_EQ(why, again);
}

}  // namespace
}  // namespace udlab::gpu
