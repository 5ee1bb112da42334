// The copy and recall tasks: layout, answer masks, seeding and their evaluation sets.
#include <gtest/gtest.h>

#include <set>

#include "core/data/synthetic_tasks.h"
#include "core/train/run_config.h"
#include "core/util/error.h"

using namespace udlab;

static int answers(const Batch& b, int i) {
  int n = 0;
  for (int t = 0; t < b.T; ++t) n += b.weights[size_t(i) * size_t(b.T) + size_t(t)] == 1.0f;
  return n;
}

TEST(CopyTask, LayoutAndAnswerMask) {
  const int K = 5, D = 7, S = 4;
  CopyTask task(K, D, S, 1);
  EXPECT_EQ(task.fixed_seq_len(), 2 * K + D);
  EXPECT_TRUE(task.synthetic());
  EXPECT_EQ(task.vocab().size(), S + 2);
  Rng rng(11);
  const int T = 2 * K + D;
  Batch b = task.sample_batch(64, T, rng);
  std::set<int32_t> symbols;
  for (int i = 0; i < 64; ++i) {
    const int32_t* s = &b.tokens[size_t(i) * (T + 1)];
    const float* w = &b.weights[size_t(i) * T];
    for (int j = 0; j < K; ++j) {
      ASSERT_LT(s[j], S);
      symbols.insert(s[j]);
      EXPECT_EQ(s[K + D + 1 + j], s[j]);
      EXPECT_EQ(w[K + D + j], 1.0f);  // target K+D+j is answer j
    }
    for (int j = 0; j < D; ++j) EXPECT_EQ(s[K + j], S);  // blank
    EXPECT_EQ(s[K + D], S + 1);                           // marker
    EXPECT_EQ(answers(b, i), K);
  }
  EXPECT_EQ(symbols.size(), size_t(S));
  std::vector<int32_t> first(b.tokens.begin(), b.tokens.begin() + T + 1);
  std::string text = task.vocab().decode(first);
  EXPECT_NE(text.find("_ _ _ _ _ _ _ :"), std::string::npos) << text;
}

TEST(RecallTask, QueryAsksForAPairedValue) {
  const int P = 6, K = 9, V = 5;
  RecallTask task(P, K, V, 1);
  const int T = 2 * P + 2;
  EXPECT_EQ(task.fixed_seq_len(), T);
  EXPECT_EQ(task.vocab().size(), K + V + 1);
  Rng rng(5);
  Batch b = task.sample_batch(200, T, rng);
  std::set<int> query_slots;
  for (int i = 0; i < 200; ++i) {
    const int32_t* s = &b.tokens[size_t(i) * (T + 1)];
    std::set<int32_t> keys;
    for (int p = 0; p < P; ++p) {
      ASSERT_LT(s[2 * p], K);
      ASSERT_GE(s[2 * p + 1], K);
      ASSERT_LT(s[2 * p + 1], K + V);
      keys.insert(s[2 * p]);
    }
    EXPECT_EQ(keys.size(), size_t(P)) << "keys repeat within a sequence";
    EXPECT_EQ(s[2 * P], K + V);  // "?"
    int slot = -1;
    for (int p = 0; p < P; ++p)
      if (s[2 * p] == s[2 * P + 1]) slot = p;
    ASSERT_GE(slot, 0) << "the query key is one of the pairs";
    EXPECT_EQ(s[2 * P + 2], s[2 * slot + 1]);
    query_slots.insert(slot);
    EXPECT_EQ(answers(b, i), 1);
    EXPECT_EQ(b.weights[size_t(i) * T + size_t(T - 1)], 1.0f);
  }
  EXPECT_EQ(query_slots.size(), size_t(P));
}

TEST(SyntheticTask, TrainingBatchesFollowTheRng) {
  CopyTask task(3, 2, 8, 1);
  Rng a(1), b(1), c(2);
  EXPECT_EQ(task.sample_batch(8, 8, a).tokens, task.sample_batch(8, 8, b).tokens);
  EXPECT_NE(task.sample_batch(8, 8, a).tokens, task.sample_batch(8, 8, c).tokens);
}

TEST(SyntheticTask, EvalSetsAreFixedPerSeedAndSplit) {
  RecallTask task(4, 8, 8, 42), same(4, 8, 8, 42), other(4, 8, 8, 43);
  const int T = 10;
  auto val = task.eval_batches(Split::Val, 100, T, 0);
  size_t seqs = 0;
  for (auto& b : val) seqs += size_t(b.B);
  EXPECT_EQ(seqs, size_t(kSyntheticEvalSequences));
  EXPECT_EQ(task.split_tokens(Split::Val), size_t(kSyntheticEvalSequences) * (T + 1));
  EXPECT_EQ(val[0].tokens, same.eval_batches(Split::Val, 100, T, 0)[0].tokens);
  EXPECT_NE(val[0].tokens, other.eval_batches(Split::Val, 100, T, 0)[0].tokens);
  EXPECT_NE(val[0].tokens, task.eval_batches(Split::Test, 100, T, 0)[0].tokens);
  // max_tokens keeps a prefix of the same set.
  auto few = task.eval_batches(Split::Val, 100, T, 3 * (T + 1));
  ASSERT_EQ(few.size(), 1u);
  ASSERT_EQ(few[0].B, 3);
  EXPECT_TRUE(std::equal(few[0].tokens.begin(), few[0].tokens.end(), val[0].tokens.begin()));
}

TEST(SyntheticTask, BadSizesAreClearErrors) {
  CopyTask task(3, 2, 8, 1);
  Rng r(1);
  EXPECT_THROW(task.sample_batch(4, 9, r), Error);
  EXPECT_THROW(CopyTask(0, 2, 8, 1), Error);
  EXPECT_THROW(CopyTask(3, 2, 1, 1), Error);
  EXPECT_THROW(CopyTask(1 << 20, 1 << 20, 8, 1), Error);  // T past the seq_len limit
  EXPECT_THROW(RecallTask(5, 4, 8, 1), Error);            // fewer keys than pairs
}

TEST(SyntheticTask, OpenedByName) {
  TrainConfig cfg;
  cfg.dataset = "copy";
  cfg.copy_k = 4;
  cfg.copy_delay = 3;
  auto ds = open_dataset(cfg);
  EXPECT_EQ(ds->name(), "copy");
  EXPECT_EQ(ds->fixed_seq_len(), 11);
  cfg.dataset = "recall";
  EXPECT_EQ(open_dataset(cfg)->fixed_seq_len(), 2 * cfg.recall_pairs + 2);
}
