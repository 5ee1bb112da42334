// A text corpus already turned into token ids: the train/val/test splits plus their vocabulary.
// Batches and evaluation windows are cut from the id arrays; nothing is re-read from disk.
#pragma once
#include "core/data/dataset.h"

namespace udlab {

class TokenCorpus final : public Dataset {
 public:
  TokenCorpus(std::string name, Vocab vocab, std::vector<int32_t> train, std::vector<int32_t> val,
              std::vector<int32_t> test, bool has_test);

  std::string name() const override { return name_; }
  const Vocab& vocab() const override { return vocab_; }
  bool synthetic() const override { return false; }
  size_t split_tokens(Split s) const override;
  Batch sample_batch(int B, int T, Rng& rng) const override;
  std::vector<Batch> eval_batches(Split s, int B, int T, size_t max_tokens) const override;

 private:
  const std::vector<int32_t>& split(Split s) const;
  std::string name_;
  Vocab vocab_;
  std::vector<int32_t> train_, val_, test_;
  bool has_test_;
};

// Char-level corpus from a UTF-8 file: vocabulary = the sorted set of its characters (code points),
// first 90% of the characters train, last 10% validate, no test split.
std::unique_ptr<Dataset> load_char_corpus(const std::string& path, const std::string& name);

// Word-level corpus: vocabulary from train_path (sorted), val/test encoded with it; test_path may be
// "" (no test split). Throws udlab::Error naming a val/test word that the train file lacks.
std::unique_ptr<Dataset> load_word_corpus(const std::string& name, const std::string& train_path,
                                          const std::string& val_path, const std::string& test_path);

}  // namespace udlab
