#include "core/util/memory.h"

#include <cstdio>
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

size_t available_memory_bytes() { return read_status_kb("/proc/meminfo", "MemAvailable:"); }
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
