// The safetensors reader: any byte string is a clear udlab::Error or a file whose tensors all lie
// inside it with sizes that match their shapes.
#include <cstdlib>

#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto st = udlab::parse_safetensors(udlab::fuzz::bytes(data, size), "input");
    for (auto& [name, t] : st.tensors) {
      size_t n = 1;
      for (auto d : t.shape) n *= size_t(d);
      if (n * udlab::dtype_size(t.dtype) != t.bytes.size()) std::abort();
    }
    // What parsed must serialize and parse back to the same tensors.
    auto again = udlab::parse_safetensors(udlab::serialize_safetensors(st), "round trip");
    if (again.tensors.size() != st.tensors.size()) std::abort();
  } catch (const udlab::Error&) {
  }
  return 0;
}
