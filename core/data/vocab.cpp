#include <unordered_map>

#include "core/data/dataset.h"
#include "core/data/utf8.h"
#include "core/data/word_tokens.h"
#include "core/util/error.h"

namespace udlab {

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  for_each_word(text, [&](std::string_view w) { out.emplace_back(w); });
  return out;
}

std::string Vocab::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  bool line_start = true;
  for (int32_t id : ids) {
    if (id < 0 || id >= size()) throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                                            std::to_string(size()));
    const std::string& t = tokens[size_t(id)];
    if (char_level) {
      out += t;
    } else if (t == kEos) {
      out += '\n';
      line_start = true;
    } else {
      if (!line_start) out += ' ';
      out += t;
      line_start = false;
    }
  }
  return out;
}

std::vector<int32_t> Vocab::encode(const std::string& text) const {
  std::unordered_map<std::string_view, int32_t> index;
  for (size_t i = 0; i < tokens.size(); ++i) index.emplace(tokens[i], int32_t(i));
  std::vector<int32_t> ids;
  auto add = [&](std::string_view t) {
    auto it = index.find(t);
    if (it == index.end())
      throw Error(std::string(char_level ? "character '" : "word '") + std::string(t) +
                  "' is not in the vocabulary");
    ids.push_back(it->second);
  };
  if (char_level) {
    for (const auto& c : utf8_split(text, "the text")) add(c);
  } else {
    // A prompt without a final newline must not end in <eos>: the model should continue the line.
    bool open_line = !text.empty() && text.back() != '\n';
    for_each_word(text, add);
    if (open_line && !ids.empty()) ids.pop_back();
  }
  return ids;
}

}  // namespace udlab
