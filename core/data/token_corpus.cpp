#include "core/data/token_corpus.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "core/data/utf8.h"
#include "core/data/word_tokens.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/memory.h"

namespace udlab {

TokenCorpus::TokenCorpus(std::string name, Vocab vocab, std::vector<int32_t> train, std::vector<int32_t> val,
                         std::vector<int32_t> test, bool has_test)
    : name_(std::move(name)), vocab_(std::move(vocab)), train_(std::move(train)), val_(std::move(val)),
      test_(std::move(test)), has_test_(has_test) {}

const std::vector<int32_t>& TokenCorpus::split(Split s) const {
  switch (s) {
    case Split::Train: return train_;
    case Split::Val: return val_;
    case Split::Test:
      if (!has_test_) throw Error("dataset '" + name_ + "' has no test split");
      return test_;
  }
  throw Error("unknown split");
}

size_t TokenCorpus::split_tokens(Split s) const {
  if (s == Split::Test && !has_test_) return 0;
  return split(s).size();
}

static void check_shape(int B, int T) {
  if (B < 1 || T < 1) throw Error("batch and seq_len must be at least 1 (got " + std::to_string(B) + " and " +
                                  std::to_string(T) + ")");
}

Batch TokenCorpus::sample_batch(int B, int T, Rng& rng) const {
  check_shape(B, T);
  size_t n = train_.size();
  if (n < size_t(T) + 1)
    throw Error("dataset '" + name_ + "': the train split has " + std::to_string(n) +
                " tokens, fewer than seq_len + 1 = " + std::to_string(T + 1));
  Batch b;
  b.B = B;
  b.T = T;
  b.tokens.resize(size_t(B) * size_t(T + 1));
  // Window starts are uniform over every position that leaves room for T+1 tokens.
  uint64_t starts = n - size_t(T);
  for (int i = 0; i < B; ++i) {
    size_t s = starts <= UINT32_MAX ? rng.below(uint32_t(starts)) : size_t(rng.uniform() * double(starts));
    std::copy_n(train_.begin() + std::ptrdiff_t(s), T + 1, b.tokens.begin() + std::ptrdiff_t(i) * (T + 1));
  }
  return b;
}

std::vector<Batch> TokenCorpus::eval_batches(Split s, int B, int T, size_t max_tokens) const {
  check_shape(B, T);
  const auto& toks = split(s);
  size_t n = toks.size();
  if (max_tokens > 0) n = std::min(n, max_tokens);
  if (n < 2) throw Error("dataset '" + name_ + "': the split has fewer than 2 tokens to evaluate on");
  // Windows start every T tokens; each predicts up to T tokens, so every token but the first is predicted
  // exactly once. The last window may be short: it is padded and its padding weighted 0.
  std::vector<size_t> starts;
  for (size_t st = 0; st + 1 < n; st += size_t(T)) starts.push_back(st);
  std::vector<Batch> out;
  for (size_t w0 = 0; w0 < starts.size(); w0 += size_t(B)) {
    size_t nw = std::min(size_t(B), starts.size() - w0);
    Batch b;
    b.B = int(nw);
    b.T = T;
    b.tokens.assign(nw * size_t(T + 1), 0);
    bool padded = false;
    for (size_t w = 0; w < nw; ++w) {
      size_t st = starts[w0 + w];
      size_t len = std::min(size_t(T) + 1, n - st);
      std::copy_n(toks.begin() + std::ptrdiff_t(st), len, b.tokens.begin() + std::ptrdiff_t(w * size_t(T + 1)));
      padded |= len < size_t(T) + 1;
    }
    if (padded) {
      b.weights.assign(nw * size_t(T), 1.0f);
      for (size_t w = 0; w < nw; ++w) {
        size_t len = std::min(size_t(T) + 1, n - starts[w0 + w]);
        for (size_t t = len - 1; t < size_t(T); ++t) b.weights[w * size_t(T) + t] = 0.0f;
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

// Reading a corpus holds the text, one length byte per character and a 4-byte id per token at once.
static std::string read_corpus_file(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot read " + path + ": " + ec.message());
  check_fits_in_memory(size_t(size) * 6, "reading " + path);
  return read_file(path);
}

// Ids follow the set's order; index maps each token (viewing the caller's text) to its id.
static Vocab vocab_from_sorted(const std::set<std::string_view>& tokens, bool char_level,
                               std::unordered_map<std::string_view, int32_t>& index) {
  Vocab vocab;
  vocab.char_level = char_level;
  for (auto t : tokens) {
    index.emplace(t, int32_t(vocab.tokens.size()));
    vocab.tokens.emplace_back(t);
  }
  return vocab;
}

std::unique_ptr<Dataset> load_char_corpus(const std::string& path, const std::string& name) {
  std::string text = read_corpus_file(path);
  auto lens = utf8_char_lengths(text, path);
  size_t n = lens.size();
  if (n < 20) throw Error(path + " has " + std::to_string(n) + " characters; a 90/10 split needs at least 20");

  // Byte order of UTF-8 strings is code-point order, so the set is sorted by code point.
  const std::string_view all(text);
  std::set<std::string_view> chars;
  for (size_t i = 0, pos = 0; i < n; pos += lens[i], ++i) chars.insert(all.substr(pos, lens[i]));
  std::unordered_map<std::string_view, int32_t> index;
  Vocab vocab = vocab_from_sorted(chars, true, index);
  size_t n_train = n * 9 / 10;
  std::vector<int32_t> train(n_train), val(n - n_train);
  for (size_t i = 0, pos = 0; i < n; pos += lens[i], ++i)
    (i < n_train ? train[i] : val[i - n_train]) = index.find(all.substr(pos, lens[i]))->second;
  return std::make_unique<TokenCorpus>(name, std::move(vocab), std::move(train), std::move(val),
                                       std::vector<int32_t>{}, false);
}

static std::vector<int32_t> encode_words(const std::string& path, std::string_view text,
                                         const std::unordered_map<std::string_view, int32_t>& index) {
  std::vector<int32_t> ids;
  for_each_word(text, [&](std::string_view w) {
    auto it = index.find(w);
    if (it == index.end())
      throw Error(path + ": word '" + std::string(w) + "' does not occur in the training file");
    ids.push_back(it->second);
  });
  return ids;
}

std::unique_ptr<Dataset> load_word_corpus(const std::string& name, const std::string& train_path,
                                          const std::string& val_path, const std::string& test_path) {
  std::string train_text = read_corpus_file(train_path);
  std::set<std::string_view> words;
  for_each_word(train_text, [&](std::string_view w) { words.insert(w); });
  std::unordered_map<std::string_view, int32_t> index;
  Vocab vocab = vocab_from_sorted(words, false, index);
  auto train = encode_words(train_path, train_text, index);
  auto val = encode_words(val_path, read_corpus_file(val_path), index);
  std::vector<int32_t> test;
  if (!test_path.empty()) test = encode_words(test_path, read_corpus_file(test_path), index);
  if (train.size() < 2 || val.size() < 2)
    throw Error("dataset '" + name + "': the train and validation files need at least 2 tokens each");
  return std::make_unique<TokenCorpus>(name, std::move(vocab), std::move(train), std::move(val), std::move(test),
                                       !test_path.empty());
}

}  // namespace udlab
