#include "core/util/memory.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/util/error.h"

namespace udlab {

static size_t read_status_kb(const char* file, const char* key) {
  std::ifstream in(file);
  std::string line;
  std::string k = key;
  while (std::getline(in, line)) {
    if (line.rfind(k, 0) == 0) {
      std::istringstream ss(line.substr(k.size()));
      size_t kb = 0;
      ss >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

size_t available_memory_bytes() {
  size_t avail = read_status_kb("/proc/meminfo", "MemAvailable:");
  if (const char* lim = std::getenv("UDLAB_MEMORY_LIMIT"); lim && *lim) {
    char* end = nullptr;
    double v = std::strtod(lim, &end);
    const char u = end ? char(std::toupper(*end)) : 0;
    v *= u == 'K' ? 1024.0 : u == 'M' ? 1048576.0 : u == 'G' ? 1073741824.0 : 1.0;
    if (v > 0 && (avail == 0 || v < double(avail))) avail = size_t(v);
  }
  return avail;
}

size_t TrainingMemory::total() const {
  const double P = double(params);
  // Values, gradients and AdamW's two moments: four floats per parameter, all resident for the run.
  double b = 4.0 * P * sizeof(float) + double(workspace);
  // Saving a checkpoint (core/train/checkpoint.cpp) downloads values and both moments (3P floats),
  // copies them into the SafeTensors entries (3P) and serialises those into one string (3P) before
  // the atomic write: nine floats per parameter on top of the above, at every checkpoint.
  if (checkpoints) b += 9.0 * P * sizeof(float);
  // Telemetry's spectrum of an n x n weight: the float download, the double matrix, and Eigen's real
  // Schur workspace (Hessenberg form and the transformation), about four n x n doubles in all.
  const double n = double(largest_square);
  b += n * n * (sizeof(float) + 4.0 * sizeof(double));
  // Margin: allocator slack, Eigen temporaries, OpenMP stacks, the dataset and validation batches.
  return size_t(b * 1.10 + 64.0 * 1048576.0);
}
size_t peak_rss_bytes() { return read_status_kb("/proc/self/status", "VmHWM:"); }

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (b >= 1024 && u < 5) { b /= 1024; ++u; }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f %s", b, units[u]);
  return buf;
}

void check_fits_in_memory(size_t bytes, const std::string& what) {
  size_t avail = available_memory_bytes();
  if (avail != 0 && bytes > avail)
    throw Error(what + " needs " + human_bytes(double(bytes)) + " but only " + human_bytes(double(avail)) +
                " of memory is available; reduce the sizes");
}

}  // namespace udlab
