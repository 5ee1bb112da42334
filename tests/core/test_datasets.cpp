// Text corpora, UTF-8 handling, dataset resolution and the ptb.train check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "core/data/catalog.h"
#include "core/data/data_dirs.h"
#include "core/data/dataset.h"
#include "core/data/token_corpus.h"
#include "core/data/utf8.h"
#include "core/data/word_tokens.h"
#include "core/train/run_config.h"
#include "core/util/error.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using namespace udlab;
using udlab::testing::TempDir;

namespace {

// Sets an environment variable for one scope and restores the old value.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(const std::string& n, const char* value) : name(n) {
    if (const char* v = std::getenv(n.c_str())) old = v;
    if (value) setenv(n.c_str(), value, 1);
    else unsetenv(n.c_str());
  }
  ~ScopedEnv() {
    if (old) setenv(name.c_str(), old->c_str(), 1);
    else unsetenv(name.c_str());
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string shared_data_dir() {
  const char* d = std::getenv("UDLAB_DATA_DIR");
  return d ? d : "";
}

}  // namespace

TEST(Utf8, SplitsMultiByteCharacters) {
  auto cs = utf8_split("aé∑😀", "t");
  ASSERT_EQ(cs.size(), 4u);
  EXPECT_EQ(cs[1], "é");
  EXPECT_EQ(cs[2], "∑");
  EXPECT_EQ(cs[3], "😀");
}

TEST(Utf8, RejectsInvalidSequencesWithTheirOffset) {
  EXPECT_NE(error_of([] { utf8_split("ab\x80", "f.txt"); }).find("f.txt is not valid UTF-8 (bad byte at offset 2)"),
            std::string::npos);
  EXPECT_THROW(utf8_split("\xC0\x80", "overlong"), Error);
  EXPECT_THROW(utf8_split("\xED\xA0\x80", "surrogate"), Error);
  EXPECT_THROW(utf8_split("\xE2\x88", "truncated"), Error);
  EXPECT_THROW(utf8_split("\xF4\x90\x80\x80", "above U+10FFFF"), Error);
}

TEST(Words, EosEndsEveryLine) {
  EXPECT_EQ(split_words(" a b\n\nc"), (std::vector<std::string>{"a", "b", "<eos>", "<eos>", "c", "<eos>"}));
  EXPECT_EQ(split_words("a\tb \n"), (std::vector<std::string>{"a", "b", "<eos>"}));
}

TEST(TinyShakespeare, VocabularyAndSplitFollowTheSpec) {
  ASSERT_FALSE(shared_data_dir().empty()) << "tests need UDLAB_DATA_DIR";
  TrainConfig cfg;
  cfg.dataset = "tinyshakespeare";
  auto ds = open_dataset(cfg);
  const Vocab& v = ds->vocab();
  EXPECT_EQ(v.size(), 65);
  EXPECT_TRUE(v.char_level);
  EXPECT_TRUE(std::is_sorted(v.tokens.begin(), v.tokens.end()));
  EXPECT_EQ(v.tokens.front(), "\n");
  EXPECT_EQ(ds->split_tokens(Split::Train), 1003854u);  // 90% of 1,115,394 characters
  EXPECT_EQ(ds->split_tokens(Split::Val), 111540u);
  EXPECT_EQ(ds->split_tokens(Split::Test), 0u);
  EXPECT_NE(error_of([&] { ds->eval_batches(Split::Test, 4, 8, 0); }).find("no test split"), std::string::npos);

  // The first validation window starts right after the training split, at character 1,003,854.
  std::ifstream in(shared_data_dir() + "/tinyshakespeare/input.txt", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto batches = ds->eval_batches(Split::Val, 2, 16, 0);
  std::vector<int32_t> first(batches[0].tokens.begin(), batches[0].tokens.begin() + 17);
  EXPECT_EQ(v.decode(first), text.substr(1003854, 17));
  EXPECT_EQ(v.encode(text.substr(0, 500)).size(), 500u);
  EXPECT_EQ(v.decode(v.encode(text.substr(0, 500))), text.substr(0, 500));
}

TEST(CharCorpus, SortsCodePointsAndSplits90To10) {
  TempDir t;
  std::string text;
  for (int i = 0; i < 10; ++i) text += "zé∑a";  // 40 characters
  auto ds = load_char_corpus(t.write("u.txt", text), "u");
  EXPECT_EQ(ds->vocab().tokens, (std::vector<std::string>{"a", "z", "é", "∑"}));
  EXPECT_EQ(ds->split_tokens(Split::Train), 36u);
  EXPECT_EQ(ds->split_tokens(Split::Val), 4u);
  EXPECT_THROW(ds->vocab().encode("zx"), Error);
  EXPECT_NE(error_of([&] { ds->vocab().encode("zx"); }).find("'x'"), std::string::npos);
}

TEST(CharCorpus, RejectsTinyAndInvalidFiles) {
  TempDir t;
  std::string small = t.write("small.txt", "abc");
  EXPECT_NE(error_of([&] { load_char_corpus(small, "s"); }).find("needs at least 20"), std::string::npos);
  std::string bad = t.write("bad.txt", std::string(30, 'a') + "\xFF");
  EXPECT_NE(error_of([&] { load_char_corpus(bad, "b"); }).find("bad.txt is not valid UTF-8 (bad byte at offset 30)"),
            std::string::npos);
}

// A corpus whose characters are all distinct, so a window's content tells where it starts.
static std::unique_ptr<Dataset> distinct_corpus(TempDir& t, int n) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    char32_t c = 0x4E00 + char32_t(i);  // CJK ideographs: 3-byte UTF-8, all distinct
    text += char(0xE0 | (c >> 12));
    text += char(0x80 | ((c >> 6) & 0x3F));
    text += char(0x80 | (c & 0x3F));
  }
  return load_char_corpus(t.write("d.txt", text), "d");
}

TEST(TokenCorpus, BatchesAreSeededWindowsOfTheTrainSplit) {
  TempDir t;
  auto ds = distinct_corpus(t, 1000);  // ids are positions: train = 0..899
  Rng a(7), b(7), c(8);
  Batch x = ds->sample_batch(16, 10, a), y = ds->sample_batch(16, 10, b), z = ds->sample_batch(16, 10, c);
  EXPECT_EQ(x.tokens, y.tokens);
  EXPECT_NE(x.tokens, z.tokens);
  ASSERT_EQ(x.tokens.size(), 16u * 11u);
  EXPECT_TRUE(x.weights.empty());
  for (int i = 0; i < 16; ++i) {
    int32_t s = x.tokens[size_t(i) * 11];
    for (int j = 0; j <= 10; ++j) EXPECT_EQ(x.tokens[size_t(i) * 11 + size_t(j)], s + j);
    EXPECT_LE(s + 10, 899);
  }
  EXPECT_NE(error_of([&] { ds->sample_batch(1, 900, a); }).find("fewer than seq_len + 1"), std::string::npos);
  EXPECT_NO_THROW(ds->sample_batch(1, 899, a));
}

TEST(TokenCorpus, BatchStartsCoverTheWholeRange) {
  TempDir t;
  auto ds = distinct_corpus(t, 100);  // train = 90 tokens; windows of 3 can start at 0..87
  Rng r(3);
  std::vector<int> seen(90, 0);
  for (int k = 0; k < 200; ++k) {
    Batch b = ds->sample_batch(8, 2, r);
    for (int i = 0; i < 8; ++i) seen[size_t(b.tokens[size_t(i) * 3])]++;
  }
  for (int s = 0; s <= 87; ++s) EXPECT_GT(seen[size_t(s)], 0) << s;
  for (int s = 88; s < 90; ++s) EXPECT_EQ(seen[size_t(s)], 0) << s;
}

TEST(TokenCorpus, EvalWindowsPredictEveryTokenOnce) {
  TempDir t;
  auto ds = distinct_corpus(t, 1000);  // val = ids 900..999 (100 tokens)
  for (int T : {1, 7, 33, 99, 100, 150}) {
    for (size_t max_tokens : {size_t(0), size_t(50), size_t(5000)}) {
      size_t n = max_tokens == 0 ? 100 : std::min<size_t>(100, max_tokens);
      auto batches = ds->eval_batches(Split::Val, 3, T, max_tokens);
      std::vector<int> predicted(1000, 0);
      for (const Batch& b : batches) {
        ASSERT_LE(b.B, 3);
        ASSERT_EQ(b.T, T);
        for (int w = 0; w < b.B; ++w)
          for (int j = 0; j < T; ++j) {
            float wt = b.weights.empty() ? 1.0f : b.weights[size_t(w) * size_t(T) + size_t(j)];
            if (wt == 0.0f) continue;
            int32_t in = b.tokens[size_t(w) * size_t(T + 1) + size_t(j)];
            int32_t target = b.tokens[size_t(w) * size_t(T + 1) + size_t(j) + 1];
            ASSERT_EQ(target, in + 1);  // consecutive tokens, no padding counted
            predicted[size_t(target)]++;
          }
        // Windows start every T tokens from the start of the split.
        for (int w = 1; w < b.B; ++w) EXPECT_EQ(b.tokens[size_t(w) * size_t(T + 1)], b.tokens[0] + w * T);
      }
      for (size_t id = 900; id < 1000; ++id)
        EXPECT_EQ(predicted[id], id == 900 || id >= 900 + n ? 0 : 1) << "T=" << T << " id=" << id;
    }
  }
}

TEST(Ptb, MissingTrainFileIsNamed) {
  TempDir empty, home;
  ScopedEnv e("UDLAB_DATA_DIR", nullptr), h("HOME", home.path.c_str()), x("XDG_CACHE_HOME", nullptr);
  TrainConfig cfg;
  cfg.dataset = "ptb";
  cfg.data_dir = empty.path.string();
  std::string msg = error_of([&] { open_dataset(cfg); });
  EXPECT_NE(msg.find("ptb/ptb.train.txt not found in " + empty.path.string() + " or " + home.path.string() +
                     "/.cache/udlab/datasets"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("udlab-cli data fetch ptb"), std::string::npos);
}

TEST(Ptb, WordLevelFromTheTrainVocabulary) {
  TempDir t;
  t.write("ptb/ptb.train.txt", " the cat sat\n the dog <unk>\n");
  t.write("ptb/ptb.valid.txt", " the dog sat\n");
  t.write("ptb/ptb.test.txt", " cat\n");
  TrainConfig cfg;
  cfg.dataset = "ptb";
  cfg.data_dir = t.path.string();
  auto ds = open_dataset(cfg);
  const Vocab& v = ds->vocab();
  EXPECT_FALSE(v.char_level);
  EXPECT_EQ(v.tokens, (std::vector<std::string>{"<eos>", "<unk>", "cat", "dog", "sat", "the"}));
  EXPECT_EQ(ds->split_tokens(Split::Train), 8u);
  EXPECT_EQ(ds->split_tokens(Split::Val), 4u);
  EXPECT_EQ(ds->split_tokens(Split::Test), 2u);
  EXPECT_EQ(v.decode(v.encode("the cat\nsat")), "the cat\nsat");
  EXPECT_EQ(v.encode("the cat").size(), 2u);  // an open line does not end in <eos>

  t.write("ptb/ptb.valid.txt", " the bird\n");
  EXPECT_NE(error_of([&] { open_dataset(cfg); }).find("word 'bird' does not occur in the training file"),
            std::string::npos);
}

TEST(Ptb, SharedValidAndTestFilesMatchTheStandardCounts) {
  std::string dir = shared_data_dir() + "/ptb/";
  auto valid = word_file_stats(dir + "ptb.valid.txt");
  EXPECT_EQ(valid.words + valid.lines, 73760u);
  auto test = word_file_stats(dir + "ptb.test.txt");
  EXPECT_EQ(test.words + test.lines, 82430u);
}

TEST(Ptb, TrainCheckCountsWordsLinesAndTypes) {
  TempDir t;
  // A stand-in with exactly the standard counts: 42,068 lines, 887,521 words, 9,999 words + <eos>.
  std::string text;
  long word = 0;
  for (int line = 0; line < 42068; ++line) {
    int n = 21 + (line < 4093 ? 1 : 0);
    for (int i = 0; i < n; ++i, ++word) text += " w" + std::to_string(word % 9999);
    text += " \n";
  }
  ASSERT_EQ(word, 887521);
  EXPECT_EQ(check_ptb_train(t.write("ok.txt", text)), "");
  std::string off = check_ptb_train(t.write("long.txt", text + " w0\n"));
  EXPECT_NE(off.find("found 887522, 42069 and 10000"), std::string::npos) << off;
  off = check_ptb_train(t.write("new_word.txt", text + " zebra\n"));
  EXPECT_NE(off.find("found 887522, 42069 and 10001"), std::string::npos) << off;
}

TEST(DataDirs, ResolutionOrderIsFlagThenEnvThenCache) {
  ScopedEnv e("UDLAB_DATA_DIR", "/env/dir/"), h("HOME", "/home/u"), x("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(data_search_dirs("/flag"),
            (std::vector<std::string>{"/flag", "/env/dir", "/home/u/.cache/udlab/datasets"}));
  EXPECT_EQ(data_download_dir(""), "/env/dir");
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(data_search_dirs("").back(), "/xdg/udlab/datasets");
  }
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "relative");  // the XDG spec says to ignore relative paths
    EXPECT_EQ(data_search_dirs("").back(), "/home/u/.cache/udlab/datasets");
  }
  EXPECT_EQ(data_search_dirs("/env/dir"), (std::vector<std::string>{"/env/dir", "/home/u/.cache/udlab/datasets"}));
}

TEST(DataDirs, FirstDirectoryHoldingTheFileWins) {
  TempDir a, b;
  b.write("tinyshakespeare/input.txt", "x");
  auto found = find_data_file("tinyshakespeare/input.txt", {a.path.string(), b.path.string()});
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, b.path.string() + "/tinyshakespeare/input.txt");
  a.write("tinyshakespeare/input.txt", "y");
  EXPECT_EQ(*find_data_file("tinyshakespeare/input.txt", {a.path.string(), b.path.string()}),
            a.path.string() + "/tinyshakespeare/input.txt");
}

TEST(OpenDataset, ClearErrorsForUnknownNamesAndPaths) {
  TempDir t;
  TrainConfig cfg;
  cfg.dataset = "shakespear";
  EXPECT_NE(error_of([&] { open_dataset(cfg); }).find("unknown dataset 'shakespear'"), std::string::npos);
  cfg.dataset = t.path.string();
  EXPECT_NE(error_of([&] { open_dataset(cfg); }).find("is not a regular file"), std::string::npos);
  cfg.dataset = t.write("mine.txt", std::string(100, 'q') + "rs");
  auto ds = open_dataset(cfg);
  EXPECT_EQ(ds->vocab().size(), 3);
  EXPECT_FALSE(ds->synthetic());
}

TEST(Catalog, EveryFileHasASourceAndACheck) {
  for (const auto& d : dataset_catalog())
    for (const auto& f : d.files) {
      EXPECT_EQ(f.url.rfind("https://", 0), 0u) << f.path;
      EXPECT_TRUE(f.sha256.size() == 64 || f.path == "ptb/ptb.train.txt") << f.path;
    }
  ASSERT_NE(find_dataset_info("ptb"), nullptr);
  EXPECT_EQ(find_dataset_info("copy"), nullptr);
}
