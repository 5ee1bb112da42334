// ListOps (issue 14): every generated expression evaluates to its label under an independent evaluator
// written here (a stack machine over the token strings, not the generator's recursion), within the
// generator's depth, argument and length limits; batches are padded and weighted as documented; the
// options that cannot be met are one-line errors. Then the sequence-level readout of every recurrent
// model: central differences in double for mean and last pooling, last pooling equal to the per-token
// loss at the last position, and its errors; group-rnn pools block by block, bit-identical with recomputation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/data/listops.h"
#include "core/models/model_registry.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {

struct Eval {
  int value = -1;
  int depth = 0;     // deepest operator nesting (the root counts 1; a lone digit has depth 1)
  int min_args = 1 << 30, max_args = 0;
  bool ok = true;
};

// Evaluates the token strings left to right with an explicit stack of open operators.
Eval evaluate(const std::vector<std::string>& toks) {
  Eval e;
  struct Frame { std::string op; std::vector<int> args; };
  std::vector<Frame> stack;
  std::vector<int> done;
  auto emit = [&](int v) {
    if (stack.empty()) done.push_back(v);
    else stack.back().args.push_back(v);
  };
  for (const std::string& t : toks) {
    if (t.size() == 1 && t[0] >= '0' && t[0] <= '9') {
      emit(t[0] - '0');
      e.depth = std::max(e.depth, int(stack.size()) + 1);
    } else if (t == "[MIN" || t == "[MAX" || t == "[MED" || t == "[SM") {
      stack.push_back({t, {}});
    } else if (t == "]") {
      if (stack.empty()) return e.ok = false, e;
      Frame f = stack.back();
      stack.pop_back();
      if (f.args.empty()) return e.ok = false, e;
      e.min_args = std::min(e.min_args, int(f.args.size()));
      e.max_args = std::max(e.max_args, int(f.args.size()));
      std::vector<int> a = f.args;
      int v = 0;
      if (f.op == "[MIN") v = *std::min_element(a.begin(), a.end());
      if (f.op == "[MAX") v = *std::max_element(a.begin(), a.end());
      if (f.op == "[SM") {
        long s = 0;
        for (int x : a) s += x;
        v = int(s % 10);
      }
      if (f.op == "[MED") {
        // The median by counting: the values with at least half the list on either side.
        std::sort(a.begin(), a.end());
        double med = a.size() % 2 ? a[a.size() / 2] : 0.5 * (a[a.size() / 2 - 1] + a[a.size() / 2]);
        v = int(std::floor(med));
      }
      emit(v);
    } else {
      return e.ok = false, e;
    }
  }
  if (!stack.empty() || done.size() != 1) return e.ok = false, e;
  e.value = done[0];
  return e;
}

}  // namespace

TEST(ListOps, ExpressionsEvaluateToTheirLabelsWithinTheLimits) {
  struct Opts { int depth, args, min_len, max_len; };
  for (Opts o : {Opts{10, 10, 500, 2000}, Opts{4, 5, 20, 120}, Opts{6, 3, 0, 60}}) {
    SCOPED_TRACE(std::to_string(o.depth) + "/" + std::to_string(o.args) + "/" + std::to_string(o.min_len));
    ListOpsTask task(o.depth, o.args, o.min_len, o.max_len, 7);
    const int T = task.fixed_seq_len();
    ASSERT_EQ(T, o.max_len - 1);
    Rng rng(11);
    Batch b = task.sample_batch(64, T, rng);
    ASSERT_EQ(b.labels.size(), 64u);
    std::map<int, int> label_count;
    for (int i = 0; i < b.B; ++i) {
      std::vector<std::string> toks;
      int len = 0;
      while (len <= T && b.tokens[size_t(i) * (T + 1) + len] != ListOpsTask::kPad)
        toks.push_back(task.vocab().tokens[b.tokens[size_t(i) * (T + 1) + len++]]);
      EXPECT_GT(len, o.min_len);
      EXPECT_LT(len, o.max_len);
      for (int t = len; t <= T; ++t) ASSERT_EQ(b.tokens[size_t(i) * (T + 1) + t], ListOpsTask::kPad);
      for (int t = 0; t < T; ++t) ASSERT_EQ(b.weights[size_t(i) * T + t], t < len ? 1.0f : 0.0f);
      Eval e = evaluate(toks);
      ASSERT_TRUE(e.ok) << "malformed expression " << i;
      EXPECT_EQ(e.value, b.labels[i]) << "expression " << i;
      EXPECT_LE(e.depth, o.depth);
      if (e.max_args > 0) {
        EXPECT_GE(e.min_args, 2);
        EXPECT_LE(e.max_args, o.args);
      }
      ++label_count[b.labels[i]];
    }
    EXPECT_GE(label_count.size(), 4u);  // not one constant answer
  }
}

TEST(ListOps, SeededAndTheEvaluationSetIsFixed) {
  ListOpsTask a(5, 4, 10, 80, 3), b(5, 4, 10, 80, 3), c(5, 4, 10, 80, 4);
  Rng r1(9), r2(9);
  EXPECT_EQ(a.sample_batch(8, 79, r1).tokens, b.sample_batch(8, 79, r2).tokens);
  auto ea = a.eval_batches(Split::Val, 16, 79, 0), eb = b.eval_batches(Split::Val, 16, 79, 0);
  auto ec = c.eval_batches(Split::Val, 16, 79, 0);
  EXPECT_EQ(ea[0].tokens, eb[0].tokens);
  EXPECT_EQ(ea[0].labels, eb[0].labels);
  EXPECT_NE(ea[0].tokens, ec[0].tokens);
  EXPECT_NE(ea[0].tokens, a.eval_batches(Split::Test, 16, 79, 0)[0].tokens);
}

TEST(ListOps, MemorylessLossIsTheEntropyOfTheValidationLabels) {
  ListOpsTask task(4, 5, 10, 80, 2);
  std::map<int, int> n;
  int total = 0;
  for (const Batch& b : task.eval_batches(Split::Val, 100, 79, 0))
    for (int y : b.labels) ++n[y], ++total;
  ASSERT_EQ(total, kSyntheticEvalSequences);
  double h = 0;
  for (auto& [y, c] : n) h -= double(c) / total * std::log(double(c) / total);
  EXPECT_NEAR(task.memoryless_loss(), h, 1e-12);
  EXPECT_LT(task.memoryless_loss(), std::log(10.0));  // not uniform
}

TEST(ListOps, OperatorsAndArgumentCountsAreUniform) {
  // 2000 expressions at depth 2 (one operator each): each of the 4 operators ~25%, arguments uniform on 2..5.
  ListOpsTask task(2, 5, 2, 9, 1);
  Rng rng(5);
  std::map<int, int> ops, nargs;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    int v;
    auto e = task.draw(rng, &v);
    ++ops[e[0]];
    ++nargs[int(e.size()) - 2];
  }
  for (int op = ListOpsTask::kMin; op <= ListOpsTask::kSum; ++op) EXPECT_NEAR(ops[op], n / 4.0, 5 * std::sqrt(n * 0.1875));
  for (int k = 2; k <= 5; ++k) EXPECT_NEAR(nargs[k], n / 4.0, 5 * std::sqrt(n * 0.1875));
}

TEST(ListOps, ImpossibleOptionsAreOneLineErrors) {
  EXPECT_EQ(ListOpsTask::longest(1, 10), 1.0);
  EXPECT_EQ(ListOpsTask::longest(3, 2), 2 + 2 * (2 + 2 * 1.0));
  EXPECT_THROW(ListOpsTask(3, 2, 10, 50, 1), Error);   // at most 10 tokens exist at depth 3, 2 args
  EXPECT_THROW(ListOpsTask(0, 5, 1, 50, 1), Error);
  EXPECT_THROW(ListOpsTask(5, 1, 1, 50, 1), Error);
  EXPECT_THROW(ListOpsTask(5, 5, 49, 50, 1), Error);   // no length strictly between
  try {
    ListOpsTask(3, 2, 10, 50, 1);
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

namespace {

ModelConfig readout_cfg(const std::string& model, const std::string& readout) {
  ModelConfig c;
  c.model = model;
  c.readout = readout;
  c.layers = 2;
  c.embed = 4;
  c.hidden = 5;
  c.state = 3;
  c.d = 3;
  c.group = "o";
  c.lru_gamma = true;
  return c;
}

const char* kRecurrent[] = {"lstm", "rnn-tanh", "orth-rnn", "lru", "group-rnn"};

// Small labelled batch from the real generator (vocabulary 16), cut to T tokens.
Batch labelled_batch(int B, uint64_t seed) {
  ListOpsTask task(3, 3, 2, 12, seed);
  Rng rng(seed);
  return task.sample_batch(B, 11, rng);
}

}  // namespace

TEST(SequenceReadout, MeanAndLastPoolingMatchFiniteDifferencesForEveryRecurrentModel) {
  CpuBackend<double> be(2);
  Batch batch = labelled_batch(3, 21);
  for (const char* model : kRecurrent)
    for (const char* readout : {"mean", "last"}) {
      SCOPED_TRACE(std::string(model) + " " + readout);
      auto m = ModelRegistry::instance().get(model).make_double(readout_cfg(model, readout), 16, be);
      m->params().allocate(be);
      Rng rng(4);
      m->init(rng);
      StepResult r = m->forward_backward(batch, true, nullptr);
      EXPECT_EQ(r.weight_sum, 3.0);  // one per label
      EXPECT_GE(r.correct, 0.0);
      EXPECT_LE(r.correct, 3.0);
      udlab::testing::expect_model_gradcheck(*m, batch, 1e-6, 5);
    }
}

TEST(SequenceReadout, LastPoolingIsThePerTokenLossAtTheLastPosition) {
  // Independent of the pooling code: the same model read per position, with the label as the target of
  // the last expression position and weight 1 there only, gives the same loss; "auto" pools the mean.
  CpuBackend<double> be(1);
  Batch batch = labelled_batch(4, 8);
  Batch token = batch;
  token.labels.clear();
  token.targets.assign(size_t(batch.B) * batch.T, 0);
  std::fill(token.weights.begin(), token.weights.end(), 0.0f);
  for (int b = 0; b < batch.B; ++b) {
    int last = 0;
    for (int t = 0; t < batch.T; ++t)
      if (batch.weights[size_t(b) * batch.T + t] > 0) last = t;
    token.weights[size_t(b) * batch.T + last] = 1.0f;
    token.targets[size_t(b) * batch.T + last] = batch.labels[b];
  }
  for (const char* model : kRecurrent) {
    SCOPED_TRACE(model);
    auto last = ModelRegistry::instance().get(model).make_double(readout_cfg(model, "last"), 16, be);
    auto tok = ModelRegistry::instance().get(model).make_double(readout_cfg(model, "auto"), 16, be);
    auto mean = ModelRegistry::instance().get(model).make_double(readout_cfg(model, "mean"), 16, be);
    for (auto* m : {last.get(), tok.get(), mean.get()}) {
      m->params().allocate(be);
      Rng rng(4);
      m->init(rng);
    }
    StepResult a = last->forward_backward(batch, false, nullptr);
    StepResult b = tok->forward_backward(token, false, nullptr);
    EXPECT_NEAR(a.mean_loss(), b.mean_loss(), 1e-12);
    EXPECT_EQ(a.correct, b.correct);
    EXPECT_EQ(tok->forward_backward(batch, false, nullptr).mean_loss(),
              mean->forward_backward(batch, false, nullptr).mean_loss());
    EXPECT_NE(a.mean_loss(), mean->forward_backward(batch, false, nullptr).mean_loss());
  }
}

TEST(SequenceReadout, ReadoutsThatDoNotFitTheBatchAreErrors) {
  CpuBackend<float> be(1);
  Batch labelled;
  {
    ListOpsTask task(3, 3, 2, 12, 1);
    Rng rng(1);
    labelled = task.sample_batch(2, 11, rng);
  }
  Batch plain = udlab::testing::random_batch(2, 11, 16, 3);
  for (const char* model : kRecurrent) {
    SCOPED_TRACE(model);
    auto tok = ModelRegistry::instance().get(model).make_float(readout_cfg(model, "token"), 16, be);
    auto mean = ModelRegistry::instance().get(model).make_float(readout_cfg(model, "mean"), 16, be);
    for (auto* m : {tok.get(), mean.get()}) {
      m->params().allocate(be);
      Rng rng(4);
      m->init(rng);
    }
    EXPECT_THROW(tok->forward_backward(labelled, false, nullptr), Error);
    EXPECT_THROW(mean->forward_backward(plain, false, nullptr), Error);
    Batch bad = labelled;
    bad.labels[0] = 16;
    EXPECT_THROW(mean->forward_backward(bad, false, nullptr), Error);
  }
}

TEST(SequenceReadout, GroupRnnPoolsBlockByBlockAndRecomputationChangesNoBit) {
  // group-rnn pools its top states a block of 16 steps at a time, and with recomputation (chunks of 16)
  // recomputes the chunks without pooling again: the same loss and gradients to the bit, over T = 39
  // (three blocks, the last one partial).
  CpuBackend<double> be(2);
  ListOpsTask task(6, 5, 17, 40, 5);
  Rng brng(5);
  Batch batch = task.sample_batch(3, 39, brng);
  for (const char* readout : {"mean", "last"}) {
    SCOPED_TRACE(readout);
    std::vector<double> loss, grads[2];
    for (int chunk : {0, 16}) {
      ModelConfig c = readout_cfg("group-rnn", readout);
      c.recompute_chunk = chunk;
      c.mixing = true;
      auto m = ModelRegistry::instance().get("group-rnn").make_double(c, 16, be);
      m->params().allocate(be);
      Rng rng(4);
      m->init(rng);
      loss.push_back(m->forward_backward(batch, true, nullptr).mean_loss());
      grads[chunk ? 1 : 0] = m->params().download_grads();
    }
    EXPECT_EQ(loss[0], loss[1]);
    EXPECT_EQ(grads[0], grads[1]);
  }
}
