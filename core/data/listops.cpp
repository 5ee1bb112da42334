#include "core/data/listops.h"

#include <algorithm>
#include <cmath>

#include "core/util/error.h"

namespace udlab {

// The probability that a node above the depth limit is an operator (LRA's VALUE_P: a digit when r > 0.25).
static constexpr double kOperatorP = 0.25;
// Draws per accepted expression before the options are declared unsatisfiable.
static constexpr int kMaxDraws = 1000000;

ListOpsTask::ListOpsTask(int max_depth, int max_args, int min_len, int max_len, uint64_t seed)
    : SyntheticTask(seed), depth_(max_depth), args_(max_args), min_len_(min_len), max_len_(max_len) {
  if (max_depth < 1 || max_args < 2 || min_len < 0 || max_len <= min_len + 1)
    throw Error("listops needs listops_max_depth >= 1, listops_max_args >= 2 and 0 <= listops_min_len < "
                "listops_max_len - 1");
  if (longest(max_depth, max_args) <= min_len)
    throw Error("listops: no expression of depth <= " + std::to_string(max_depth) + " with <= " +
                std::to_string(max_args) + " arguments has more than " + std::to_string(min_len) +
                " tokens; lower --listops-min-len or raise --listops-max-depth/--listops-max-args");
  T_ = max_len - 1;
  vocab_.char_level = false;
  for (int i = 0; i < 10; ++i) vocab_.tokens.push_back(std::to_string(i));
  for (const char* t : {"[MIN", "[MAX", "[MED", "[SM", "]", "<pad>"}) vocab_.tokens.push_back(t);
}

double ListOpsTask::longest(int max_depth, int max_args) {
  // Root at depth 1; a node at depth d < max_depth with max_args children of the longest kind.
  double len = 1;
  for (int d = max_depth - 1; d >= 1; --d) len = std::min(2.0 + max_args * len, 2147483648.0);
  return len;
}

int ListOpsTask::subtree(Rng& rng, int depth, std::vector<int32_t>& out) const {
  if (int(out.size()) >= max_len_) return -1;
  double r = depth < depth_ ? rng.uniform() : 1.0;
  if (r > kOperatorP) {
    int v = int(rng.below(10));
    out.push_back(v);
    return v;
  }
  int n = 2 + int(rng.below(uint32_t(args_ - 1)));
  int op = int(rng.below(4));
  out.push_back(kMin + op);
  std::vector<int> vals;
  for (int i = 0; i < n; ++i) {
    int v = subtree(rng, depth + 1, out);
    if (v < 0) return -1;
    vals.push_back(v);
  }
  out.push_back(kEnd);
  switch (kMin + op) {
    case kMin: return *std::min_element(vals.begin(), vals.end());
    case kMax: return *std::max_element(vals.begin(), vals.end());
    case kMed: {
      std::sort(vals.begin(), vals.end());
      size_t k = vals.size();
      return k % 2 ? vals[k / 2] : (vals[k / 2 - 1] + vals[k / 2]) / 2;  // int(np.median)
    }
    default: {
      int s = 0;
      for (int v : vals) s += v;
      return s % 10;
    }
  }
}

std::vector<int32_t> ListOpsTask::draw(Rng& rng, int* value) const {
  std::vector<int32_t> out;
  for (int k = 0; k < kMaxDraws; ++k) {
    out.clear();
    int v = subtree(rng, 1, out);
    if (v >= 0 && int(out.size()) > min_len_ && int(out.size()) < max_len_) {
      *value = v;
      return out;
    }
  }
  throw Error("listops: no expression with " + std::to_string(min_len_) + " < tokens < " + std::to_string(max_len_) +
              " in " + std::to_string(kMaxDraws) + " draws (max depth " + std::to_string(depth_) + ", max args " +
              std::to_string(args_) + "); widen the length bounds or raise the depth/argument limits");
}

void ListOpsTask::generate(Rng& rng, int32_t* tok, float* w, int32_t*, int32_t* label) const {
  int v = 0;
  std::vector<int32_t> e = draw(rng, &v);
  std::fill(tok, tok + T_ + 1, kPad);
  std::copy(e.begin(), e.end(), tok);
  std::fill(w, w + T_, 0.0f);
  std::fill(w, w + e.size(), 1.0f);
  *label = v;
}

double ListOpsTask::memoryless_loss() const {
  std::vector<double> count(10, 0.0);
  double n = 0;
  for (const Batch& b : eval_batches(Split::Val, 256, T_, 0))
    for (int32_t y : b.labels) count[y] += 1, n += 1;
  double h = 0;
  for (double c : count)
    if (c > 0) h -= c / n * std::log(c / n);
  return h;
}

}  // namespace udlab
