// Seeded synthetic tasks that need no files and report accuracy: each sequence has a fixed length and
// weights that mark the answer positions, so loss and accuracy are over the answers only.
#pragma once
#include "core/data/dataset.h"

namespace udlab {

// Evaluation sets hold this many sequences per split, generated from the run seed.
inline constexpr int kSyntheticEvalSequences = 1024;

class SyntheticTask : public Dataset {
 public:
  const Vocab& vocab() const override { return vocab_; }
  bool synthetic() const override { return true; }
  int fixed_seq_len() const override { return T_; }
  size_t split_tokens(Split s) const override { return size_t(kSyntheticEvalSequences) * size_t(T_ + 1); }
  Batch sample_batch(int B, int T, Rng& rng) const override;
  std::vector<Batch> eval_batches(Split s, int B, int T, size_t max_tokens) const override;

 protected:
  SyntheticTask(uint64_t seed) : seed_(seed) {}
  // Writes one sequence: T+1 tokens and T weights (1 where the target counts in the loss); tasks with
  // separate_targets() also write T targets (otherwise targets is null: they are the next tokens);
  // labelled() tasks write one label per sequence (otherwise label is null), and their weights mark
  // the positions the readout pools over.
  virtual void generate(Rng& rng, int32_t* tokens, float* weights, int32_t* targets, int32_t* label) const = 0;
  virtual bool separate_targets() const { return false; }
  virtual bool labelled() const { return false; }
  Vocab vocab_;
  int T_ = 0;

 private:
  void check_len(int T) const;
  uint64_t seed_;
};

// Copy memory. Tokens: "0".."S-1" for the symbols, "_" blank, ":" marker. T = 2K + D either way.
//  * answers (udlab's variant): K random symbols, D blanks, a marker, then the K symbols again as a
//    language-model stream; loss and accuracy count the K answers only.
//  * all (the standard copying problem of Arjovsky et al. 2016, with K = 10, S = 8, D = their T):
//    inputs K symbols, D − 1 blanks, the marker, K blanks; targets D + K blanks, then the K symbols;
//    the loss is the mean over all 2K + D positions, whose memoryless baseline is K·log S / (2K + D).
//    Accuracy (answer_batches) is reported on the K answers.
class CopyTask final : public SyntheticTask {
 public:
  CopyTask(int K, int D, int symbols, uint64_t seed, bool loss_all = false);
  std::string name() const override { return "copy"; }
  double memoryless_loss() const override;
  std::vector<Batch> answer_batches(Split s, int B, int T, size_t max_tokens) const override;

 protected:
  void generate(Rng& rng, int32_t* tokens, float* weights, int32_t* targets, int32_t*) const override;
  bool separate_targets() const override { return all_; }

 private:
  int K_, D_, S_;
  bool all_;
};

// Associative recall: P key-value pairs with distinct keys, "?", a query key from the pairs, then its
// value (the one answer). T = 2P + 2. Tokens: "k0".., "v0".., "?".
class RecallTask final : public SyntheticTask {
 public:
  RecallTask(int pairs, int keys, int values, uint64_t seed);
  std::string name() const override { return "recall"; }

 protected:
  void generate(Rng& rng, int32_t* tokens, float* weights, int32_t* targets, int32_t*) const override;
  double memoryless_loss() const override;

 private:
  int P_, K_, V_;
};

}  // namespace udlab
