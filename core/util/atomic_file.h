// Atomic file writes for core (which has no Qt): write a temporary file beside the target, fsync,
// then rename over it, which is what QSaveFile does. A crash or cancel leaves the old file intact.
#pragma once
#include <string>
#include <string_view>

namespace udlab {

// Throws udlab::Error naming the path on failure.
void write_file_atomic(const std::string& path, std::string_view bytes);
// Reads a whole file; throws udlab::Error naming the path if it is missing or unreadable.
std::string read_file(const std::string& path);
// Removes "NAME.tmp-PID" files in dir whose writer (PID) is no longer running: what a killed
// write_file_atomic leaves behind.
void remove_stale_temp_files(const std::string& dir);
bool file_exists(const std::string& path);

}  // namespace udlab
