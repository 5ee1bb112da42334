#include "core/data/utf8.h"

#include "core/util/error.h"

namespace udlab {

// Length of the valid UTF-8 sequence starting at p (1..4), or 0 if it is invalid (RFC 3629).
static int valid_sequence_length(const unsigned char* p, size_t left) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  int n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) n = 3, lo = 0xA0;
  else if (c == 0xED) n = 3, hi = 0x9F;  // excludes the surrogates U+D800..U+DFFF
  else if (c >= 0xE1 && c <= 0xEF) n = 3;
  else if (c == 0xF0) n = 4, lo = 0x90;
  else if (c == 0xF4) n = 4, hi = 0x8F;  // nothing above U+10FFFF
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else return 0;
  if (left < size_t(n)) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (int i = 2; i < n; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return n;
}

std::vector<unsigned char> utf8_char_lengths(std::string_view text, const std::string& what) {
  std::vector<unsigned char> lens;
  lens.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    int n = valid_sequence_length(p + i, text.size() - i);
    if (n == 0) throw Error(what + " is not valid UTF-8 (bad byte at offset " + std::to_string(i) + ")");
    lens.push_back(static_cast<unsigned char>(n));
    i += size_t(n);
  }
  return lens;
}

std::vector<std::string> utf8_split(std::string_view text, const std::string& what) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (unsigned char n : utf8_char_lengths(text, what)) {
    out.emplace_back(text.substr(pos, n));
    pos += n;
  }
  return out;
}

}  // namespace udlab
