#include "core/data/synthetic_tasks.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/util/error.h"
#include "core/util/memory.h"

namespace udlab {

// The same limit the run config puts on seq_len.
static constexpr int64_t kMaxSeqLen = int64_t(1) << 20;

static void check_task_size(const std::string& task, int64_t T, int64_t vocab) {
  if (T < 1 || T > kMaxSeqLen)
    throw Error(task + " task: its sequence length " + std::to_string(T) + " is outside 1.." +
                std::to_string(kMaxSeqLen));
  check_fits_in_memory(size_t(vocab) * 48, task + " task vocabulary of " + std::to_string(vocab) + " tokens");
}

void SyntheticTask::check_len(int T) const {
  if (T != T_)
    throw Error(name() + " task: sequences have length " + std::to_string(T_) + ", not " + std::to_string(T));
}

Batch SyntheticTask::sample_batch(int B, int T, Rng& rng) const {
  check_len(T);
  if (B < 1) throw Error("batch must be at least 1");
  Batch b;
  b.B = B;
  b.T = T;
  b.tokens.resize(size_t(B) * size_t(T + 1));
  b.weights.resize(size_t(B) * size_t(T));
  if (separate_targets()) b.targets.resize(size_t(B) * size_t(T));
  if (labelled()) b.labels.resize(size_t(B));
  for (int i = 0; i < B; ++i)
    generate(rng, &b.tokens[size_t(i) * (T + 1)], &b.weights[size_t(i) * T],
             b.targets.empty() ? nullptr : &b.targets[size_t(i) * T], b.labels.empty() ? nullptr : &b.labels[i]);
  return b;
}

std::vector<Batch> SyntheticTask::eval_batches(Split s, int B, int T, size_t max_tokens) const {
  check_len(T);
  if (B < 1) throw Error("batch must be at least 1");
  size_t n = kSyntheticEvalSequences;
  if (max_tokens > 0) n = std::clamp<size_t>(max_tokens / size_t(T + 1), 1, n);
  // Each split has its own stream, apart from the training stream; a prefix of the set is the same
  // sequences whatever max_tokens is.
  uint64_t tag = s == Split::Train ? 0x7261696eULL : s == Split::Val ? 0x76616c00ULL : 0x74657374ULL;
  Rng rng(seed_ ^ (tag << 20));
  std::vector<Batch> out;
  for (size_t done = 0; done < n; done += size_t(B)) {
    int nb = int(std::min(size_t(B), n - done));
    out.push_back(sample_batch(nb, T, rng));
  }
  return out;
}

CopyTask::CopyTask(int K, int D, int symbols, uint64_t seed, bool loss_all)
    : SyntheticTask(seed), K_(K), D_(D), S_(symbols), all_(loss_all) {
  if (K < 1 || D < 0 || symbols < 2)
    throw Error("copy task needs copy_k >= 1, copy_delay >= 0 and copy_symbols >= 2");
  if (loss_all && D < 1) throw Error("copy task with copy_loss all needs copy_delay >= 1 (D - 1 blanks, then the marker)");
  check_task_size("copy", 2 * int64_t(K) + D, int64_t(symbols) + 2);
  T_ = 2 * K + D;
  vocab_.char_level = false;
  for (int i = 0; i < S_; ++i) vocab_.tokens.push_back(std::to_string(i));
  vocab_.tokens.push_back("_");
  vocab_.tokens.push_back(":");
}

void CopyTask::generate(Rng& rng, int32_t* tok, float* w, int32_t* tg, int32_t*) const {
  const int32_t blank = S_, marker = S_ + 1;
  for (int i = 0; i < K_; ++i) tok[i] = int32_t(rng.below(uint32_t(S_)));
  if (all_) {
    std::fill(tok + K_, tok + T_ + 1, blank);  // D − 1 blanks, the marker, K blanks (+ the unused T-th token)
    tok[K_ + D_ - 1] = marker;
    std::fill(tg, tg + K_ + D_, blank);
    std::copy(tok, tok + K_, tg + K_ + D_);
    std::fill(w, w + T_, 1.0f);
    return;
  }
  for (int i = 0; i < D_; ++i) tok[K_ + i] = blank;
  tok[K_ + D_] = marker;
  for (int i = 0; i < K_; ++i) tok[K_ + D_ + 1 + i] = tok[i];
  // Target t is token t+1: the answers are targets K+D .. 2K+D-1.
  for (int t = 0; t < T_; ++t) w[t] = t >= K_ + D_ ? 1.0f : 0.0f;
}

double CopyTask::memoryless_loss() const {
  // Blanks are certain; each answer is uniform over the S symbols.
  return all_ ? K_ * std::log(double(S_)) / T_ : std::log(double(S_));
}

std::vector<Batch> CopyTask::answer_batches(Split s, int B, int T, size_t max_tokens) const {
  if (!all_) return {};
  auto out = eval_batches(s, B, T, max_tokens);
  for (auto& b : out)
    for (int i = 0; i < b.B; ++i)
      for (int t = 0; t < T; ++t) b.weights[size_t(i) * T + t] = t >= K_ + D_ ? 1.0f : 0.0f;
  return out;
}

RecallTask::RecallTask(int pairs, int keys, int values, uint64_t seed)
    : SyntheticTask(seed), P_(pairs), K_(keys), V_(values) {
  if (pairs < 1 || keys < pairs || values < 2)
    throw Error("recall task needs recall_keys >= recall_pairs >= 1 and recall_values >= 2");
  check_task_size("recall", 2 * int64_t(pairs) + 2, int64_t(keys) + values + 1);
  T_ = 2 * P_ + 2;
  vocab_.char_level = false;
  for (int i = 0; i < K_; ++i) vocab_.tokens.push_back(std::string("k").append(std::to_string(i)));
  for (int i = 0; i < V_; ++i) vocab_.tokens.push_back(std::string("v").append(std::to_string(i)));
  vocab_.tokens.push_back("?");
}

double RecallTask::memoryless_loss() const { return std::log(double(V_)); }

void RecallTask::generate(Rng& rng, int32_t* tok, float* w, int32_t*, int32_t*) const {
  // Distinct keys: the first P steps of a Fisher-Yates shuffle over the key ids.
  std::vector<int32_t> keys(static_cast<size_t>(K_));
  std::iota(keys.begin(), keys.end(), 0);
  for (int i = 0; i < P_; ++i) std::swap(keys[size_t(i)], keys[size_t(i) + rng.below(uint32_t(K_ - i))]);
  for (int i = 0; i < P_; ++i) {
    tok[2 * i] = keys[size_t(i)];
    tok[2 * i + 1] = K_ + int32_t(rng.below(uint32_t(V_)));
  }
  int q = int(rng.below(uint32_t(P_)));
  tok[2 * P_] = K_ + V_;  // "?"
  tok[2 * P_ + 1] = tok[2 * q];
  tok[2 * P_ + 2] = tok[2 * q + 1];
  std::fill(w, w + T_, 0.0f);
  w[T_ - 1] = 1.0f;
}

}  // namespace udlab
