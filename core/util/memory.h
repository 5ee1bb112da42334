// Memory checks made before allocating, so that an impossible size is a clear error, not an abort.
#pragma once
#include <cstddef>
#include <string>

namespace udlab {

// Bytes a run may use: what the OS reports as available (MemAvailable), capped by UDLAB_MEMORY_LIMIT
// (bytes, or with a K/M/G suffix) when set; 0 if unknown.
size_t available_memory_bytes();

// What one training step holds at its peak, every part counted (see memory.cpp for each term).
struct TrainingMemory {
  size_t params = 0;            // number of float parameters
  size_t workspace = 0;         // the model's activations and scratch for one batch (workspace_bytes)
  size_t largest_square = 0;    // n of the largest n x n weight block whose spectrum telemetry computes
  bool checkpoints = false;     // a run directory is written (checkpoints are serialised in memory)
  size_t total() const;         // with the margin
};
// Peak resident set size of this process in bytes (VmHWM), or 0 if unknown.
size_t peak_rss_bytes();
// Throws udlab::Error if `bytes` exceeds what is available; `what` names the allocation.
void check_fits_in_memory(size_t bytes, const std::string& what);
std::string human_bytes(double bytes);

}  // namespace udlab
