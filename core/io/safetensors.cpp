#include "core/io/safetensors.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab {
namespace {
const char* const kCrcKey = "crc32";
}  // namespace

size_t dtype_size(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "U8") return 1;
  return 0;
}

template <class T>
std::vector<T> SafeTensors::get(const std::string& name, const std::string& dtype, size_t expect_n) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw Error("checkpoint has no tensor '" + name + "'");
  const StTensor& t = it->second;
  if (t.dtype != dtype) throw Error("checkpoint tensor '" + name + "' has dtype " + t.dtype + ", expected " + dtype);
  if (t.bytes.size() != expect_n * sizeof(T))
    throw Error("checkpoint tensor '" + name + "' has " + std::to_string(t.bytes.size() / sizeof(T)) +
                " elements, expected " + std::to_string(expect_n));
  std::vector<T> out(expect_n);
  if (expect_n) std::memcpy(out.data(), t.bytes.data(), t.bytes.size());
  return out;
}
template std::vector<float> SafeTensors::get<float>(const std::string&, const std::string&, size_t) const;
template std::vector<double> SafeTensors::get<double>(const std::string&, const std::string&, size_t) const;
template std::vector<int64_t> SafeTensors::get<int64_t>(const std::string&, const std::string&, size_t) const;
template std::vector<uint64_t> SafeTensors::get<uint64_t>(const std::string&, const std::string&, size_t) const;

// CRC-32 over everything the header and data describe: each tensor's name, dtype, shape and bytes and
// every metadata entry but the checksum itself. Stored as metadata "crc32", so a bit flip anywhere in
// a tensor, or a header edit that still parses, is caught; files without it (older ones, foreign ones)
// still load.
std::string content_crc32(const SafeTensors& st) {
  uLong crc = crc32(0L, Z_NULL, 0);
  auto add = [&](std::string_view s) {
    while (!s.empty()) {
      const uInt n = uInt(std::min<size_t>(s.size(), 1u << 30));
      crc = crc32(crc, reinterpret_cast<const Bytef*>(s.data()), n);
      s.remove_prefix(n);
    }
    crc = crc32(crc, reinterpret_cast<const Bytef*>("\0"), 1);
  };
  for (const auto& [name, t] : st.tensors) {
    add(name);
    add(t.dtype);
    for (auto d : t.shape) add(std::to_string(d));
    add(t.bytes);
  }
  for (const auto& [k, v] : st.metadata)
    if (k != kCrcKey) { add(k); add(v); }
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08lx", static_cast<unsigned long>(crc & 0xffffffffUL));
  return hex;
}

std::string serialize_safetensors(const SafeTensors& st) {
  nlohmann::json h = nlohmann::json::object();
  size_t off = 0;
  for (const auto& [name, t] : st.tensors) {
    h[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {off, off + t.bytes.size()}}};
    off += t.bytes.size();
  }
  h["__metadata__"] = st.metadata;
  h["__metadata__"][kCrcKey] = content_crc32(st);
  std::string header = h.dump();
  while (header.size() % 8) header.push_back(' ');  // data starts 8-byte aligned
  std::string out;
  out.reserve(8 + header.size() + off);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(char((n >> (8 * i)) & 0xff));
  out += header;
  for (const auto& [name, t] : st.tensors) out += t.bytes;
  return out;
}

SafeTensors parse_safetensors(const std::string& bytes, const std::string& what) {
  auto bad = [&](const std::string& why) { return Error(what + " is not a valid checkpoint: " + why); };
  if (bytes.size() < 8) throw bad("file is truncated (" + std::to_string(bytes.size()) + " bytes)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[i])) << (8 * i);
  if (n > bytes.size() - 8) throw bad("header length " + std::to_string(n) + " exceeds the file size (truncated?)");
  // Duplicate keys would silently shadow each other (nlohmann keeps the last): refuse them.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto cb = [&](int, nlohmann::json::parse_event_t ev, nlohmann::json& j) {
    using E = nlohmann::json::parse_event_t;
    if (ev == E::object_start) keys.emplace_back();
    else if (ev == E::object_end && !keys.empty()) keys.pop_back();
    else if (ev == E::key && !keys.empty() && !keys.back().insert(j.get<std::string>()).second && duplicate.empty())
      duplicate = j.get<std::string>();
    return true;
  };
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + std::ptrdiff_t(n), cb);
  } catch (const std::exception&) {
    throw bad("header is not valid JSON");
  }
  if (!duplicate.empty()) throw bad("header names '" + duplicate + "' twice");
  if (!h.is_object()) throw bad("header is not a JSON object");
  const size_t data_begin = 8 + n, data_size = bytes.size() - data_begin;
  SafeTensors st;
  struct Range { uint64_t begin, end; std::string name; };
  std::vector<Range> ranges;
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) throw bad("__metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) throw bad("metadata value '" + m.key() + "' is not a string");
        st.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const auto& e = *it;
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
      throw bad("entry '" + it.key() + "' lacks dtype/shape/data_offsets");
    StTensor t;
    try {
      t.dtype = e["dtype"].get<std::string>();
      t.shape = e["shape"].get<std::vector<int64_t>>();
      auto offs = e["data_offsets"].get<std::vector<uint64_t>>();
      if (offs.size() != 2 || offs[0] > offs[1]) throw bad("entry '" + it.key() + "' has bad data_offsets");
      if (offs[1] > data_size) throw bad("tensor '" + it.key() + "' extends past the end of the file (truncated?)");
      size_t es = dtype_size(t.dtype);
      if (!es) throw bad("tensor '" + it.key() + "' has unsupported dtype " + t.dtype);
      if (t.shape.size() > 8) throw bad("tensor '" + it.key() + "' has more than 8 dimensions");
      uint64_t numel = 1;
      for (auto d : t.shape) {
        if (d < 0) throw bad("tensor '" + it.key() + "' has a negative dimension");
        if (d > 0 && numel > (uint64_t(1) << 48) / uint64_t(d)) throw bad("tensor '" + it.key() + "' is impossibly large");
        numel *= uint64_t(d);
      }
      if (numel * es != offs[1] - offs[0]) throw bad("tensor '" + it.key() + "' size does not match its shape");
      ranges.push_back({offs[0], offs[1], it.key()});
      t.bytes = bytes.substr(data_begin + offs[0], offs[1] - offs[0]);
    } catch (const nlohmann::json::exception&) {
      throw bad("entry '" + it.key() + "' has fields of the wrong type");
    }
    st.tensors[it.key()] = std::move(t);
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  size_t widest = 0;  // the range reaching furthest so far
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].end > ranges[i].begin && ranges[i].begin < ranges[widest].end)
      throw bad("tensors '" + ranges[widest].name + "' and '" + ranges[i].name + "' overlap");
    if (ranges[i].end > ranges[widest].end) widest = i;
  }
  auto crc = st.metadata.find(kCrcKey);
  if (crc != st.metadata.end()) {
    if (crc->second != content_crc32(st)) throw bad("checksum mismatch (the file is corrupt)");
    st.metadata.erase(crc);
  }
  return st;
}

void save_safetensors(const std::string& path, const SafeTensors& st) {
  write_file_atomic(path, serialize_safetensors(st));
}

SafeTensors load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

}  // namespace udlab
