// Device selection as the CLI and GUI see it, in every build: with or without the CUDA backend, and
// with or without a GPU. On this project's CI (nvcc, no GPU) "cuda" must be a clear error, not a crash.
#include <gtest/gtest.h>

#include <string>

#include "core/backend/backend.h"

namespace udlab {
namespace {

bool cuda_usable(std::string* why) {
  const BackendInfo* cuda = BackendRegistry::instance().find("cuda");
  if (!cuda) {
    *why = "not built with CUDA";
    return false;
  }
  return cuda->available(why);
}

TEST(GpuFallback, CudaWithoutDeviceIsAClearError) {
  std::string why;
  if (cuda_usable(&why)) GTEST_SKIP() << "a CUDA device is present; the no-device error path cannot be exercised";
  try {
    auto b = BackendRegistry::instance().create("cuda", 1, false);
    FAIL() << "create(\"cuda\") returned a backend named " << b->name() << " without a usable device";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("cuda"), std::string::npos) << msg;
    // Either the build lacks CUDA or the runtime said why; both must be spelled out.
    bool built = BackendRegistry::instance().find("cuda") != nullptr;
    if (built) EXPECT_NE(msg.find(why), std::string::npos) << msg << " should contain the reason: " << why;
    else EXPECT_NE(msg.find("no CUDA backend"), std::string::npos) << msg;
  }
}

TEST(GpuFallback, AutoFallsBackToCpuWithANote) {
  std::string why;
  bool usable = cuda_usable(&why);
  std::string note;
  auto b = BackendRegistry::instance().create("auto", 1, false, &note);
  ASSERT_TRUE(b);
  if (usable) {
    EXPECT_EQ(b->name(), "cuda");
    EXPECT_TRUE(note.empty()) << note;
  } else {
    EXPECT_EQ(b->name(), "cpu");
    EXPECT_NE(note.find("using the CPU"), std::string::npos) << note;
    EXPECT_NE(note.find(why), std::string::npos) << note << " should contain the reason: " << why;
  }
}

TEST(GpuFallback, CpuIsAlwaysThereAndUnknownDevicesAreRejected) {
  auto cpu = BackendRegistry::instance().create("cpu", 1, false);
  EXPECT_EQ(cpu->name(), "cpu");
  EXPECT_THROW(BackendRegistry::instance().create("tpu", 1, false), Error);
}

TEST(GpuFallback, CudaIsRegisteredExactlyWhenBuilt) {
  bool registered = BackendRegistry::instance().find("cuda") != nullptr;
#if UDLAB_HAVE_CUDA
  EXPECT_TRUE(registered) << "app/backends.cpp did not register cuda although udlab_gpu is linked";
#else
  EXPECT_FALSE(registered);
#endif
}

}  // namespace
}  // namespace udlab
