// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the raw
// little-endian data. Parsing validates every offset and size so that a truncated or corrupt file is a
// clear error, never an out-of-bounds read. Files we write carry a CRC-32 of their content in the
// metadata ("crc32"), checked on load when present and removed from SafeTensors::metadata.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace udlab {

struct StTensor {
  std::string dtype;             // F32, F64, I64, U64, I32, U8
  std::vector<int64_t> shape;
  std::string bytes;             // raw little-endian data
};

struct SafeTensors {
  std::map<std::string, StTensor> tensors;
  std::map<std::string, std::string> metadata;

  template <class T>
  void put(const std::string& name, const std::string& dtype, std::vector<int64_t> shape, const T* data, size_t n) {
    StTensor t{dtype, std::move(shape), std::string(reinterpret_cast<const char*>(data), n * sizeof(T))};
    tensors[name] = std::move(t);
  }
  // Copies a tensor out, checking dtype and element count; throws udlab::Error naming the tensor.
  template <class T>
  std::vector<T> get(const std::string& name, const std::string& dtype, size_t expect_n) const;
  bool has(const std::string& name) const { return tensors.count(name) != 0; }
};

size_t dtype_size(const std::string& dtype);  // 0 for unknown
std::string content_crc32(const SafeTensors& st);  // 8 hex digits
std::string serialize_safetensors(const SafeTensors& st);
// `what` names the source in error messages (e.g. the path).
SafeTensors parse_safetensors(const std::string& bytes, const std::string& what);
void save_safetensors(const std::string& path, const SafeTensors& st);  // atomic
SafeTensors load_safetensors(const std::string& path);

}  // namespace udlab
