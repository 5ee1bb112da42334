#include "core/util/omp_env.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace udlab {

void reexec_with_passive_omp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  const char* opt = std::getenv("UDLAB_OMP_REEXEC");
  if (opt && std::strcmp(opt, "0") == 0) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // exec failed (no /proc?): carry on with the policy libgomp already read.
}

}  // namespace udlab
