// Word-level tokenisation as in the standard Penn Treebank setup: tokens are split on whitespace and
// "<eos>" ends every line (the last line too, even without a final newline).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace udlab {

inline constexpr std::string_view kEos = "<eos>";

// Calls emit(std::string_view word) for every token of text, "<eos>" included.
template <class F>
void for_each_word(std::string_view text, F&& emit) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  size_t i = 0, n = text.size();
  while (i < n) {
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = n;
    size_t j = i;
    while (j < eol) {
      while (j < eol && space(text[j])) ++j;
      size_t k = j;
      while (k < eol && !space(text[k])) ++k;
      if (k > j) emit(text.substr(j, k - j));
      j = k;
    }
    emit(kEos);
    i = eol + 1;
  }
}

std::vector<std::string> split_words(std::string_view text);

}  // namespace udlab
