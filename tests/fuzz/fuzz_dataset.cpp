// Dataset readers: UTF-8 splitting of a char-level corpus, and PTB word tokenisation with <eos>.
#include <cstdlib>

#include "core/data/utf8.h"
#include "core/data/word_tokens.h"
#include "core/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = udlab::fuzz::bytes(data, size);
  try {
    auto lens = udlab::utf8_char_lengths(text, "input");
    size_t total = 0;
    for (auto l : lens) {
      if (l < 1 || l > 4) std::abort();
      total += l;
    }
    if (total != text.size()) std::abort();
    auto chars = udlab::utf8_split(text, "input");
    if (chars.size() != lens.size()) std::abort();
  } catch (const udlab::Error&) {
  }
  size_t words = 0;
  udlab::for_each_word(text, [&](std::string_view w) {
    if (w.empty()) std::abort();
    ++words;
  });
  if (udlab::split_words(text).size() != words) std::abort();
  return 0;
}
