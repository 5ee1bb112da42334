// Memory checks made before allocating, so that an impossible size is a clear error, not an abort.
#pragma once
#include <cstddef>
#include <string>

namespace udlab {

// Bytes the OS reports as available (MemAvailable), or 0 if unknown.
size_t available_memory_bytes();
// Peak resident set size of this process in bytes (VmHWM), or 0 if unknown.
size_t peak_rss_bytes();
// Throws udlab::Error if `bytes` exceeds what is available; `what` names the allocation.
void check_fits_in_memory(size_t bytes, const std::string& what);
std::string human_bytes(double bytes);

}  // namespace udlab
