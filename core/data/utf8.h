// UTF-8 splitting for char-level corpora: a "character" is one Unicode code point, kept as its UTF-8
// bytes so that vocabularies print and save as text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace udlab {

// Byte length of each code point in text, in order. Throws udlab::Error naming `what` and the byte
// offset of the first invalid sequence (overlong forms and surrogates count as invalid).
std::vector<unsigned char> utf8_char_lengths(std::string_view text, const std::string& what);

// The code points of text as separate strings (validated as above).
std::vector<std::string> utf8_split(std::string_view text, const std::string& what);

}  // namespace udlab
