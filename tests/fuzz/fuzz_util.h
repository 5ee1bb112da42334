// Shared by the fuzz targets: the input as a string, and parse failures that are expected answers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace udlab::fuzz {
inline std::string bytes(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }
}  // namespace udlab::fuzz

// Every target catches udlab::Error (a clear message is the right answer to a bad file) and, for the JSON
// readers, nlohmann's parse errors; anything else escaping (an internal error) aborts the fuzzer.
