// ListOps (Nangia & Bowman 2018, as generated for the Long Range Arena, Tay et al. 2021): nested
// prefix expressions over the digits 0..9 with the operators MAX, MIN, MED (the integer part of the
// median) and SM (the sum modulo 10); the label is the value of the expression, 10 classes.
//
// The generator follows LRA's lra_benchmarks/data/listops.py: a node at depth < max_depth is an
// operator with probability 0.25 (else a digit; at max_depth always a digit), an operator takes
// 2..max_args arguments (uniform), and an expression is kept when min_len < tokens < max_len (its
// tokens are the operators, digits and closing brackets; LRA's round parentheses are dropped, as the
// LRA input pipelines drop them). Unlike LRA's fixed files, sequences are drawn from the run's seeded
// stream (training) or the split's fixed seeded set (evaluation), with no deduplication.
//
// Tokens: "0".."9" (ids 0..9, so a label is the id of its digit), "[MIN", "[MAX", "[MED", "[SM", "]",
// and "<pad>". A sequence is the expression, then padding up to T = max_len − 1; weights mark the
// expression's positions (what the sequence readout pools over) and the label is the value.
#pragma once
#include <string>
#include <vector>

#include "core/data/synthetic_tasks.h"

namespace udlab {

class ListOpsTask final : public SyntheticTask {
 public:
  ListOpsTask(int max_depth, int max_args, int min_len, int max_len, uint64_t seed);
  std::string name() const override { return "listops"; }
  // The loss of the best predictor that ignores the expression: the entropy of the label frequencies
  // of the validation set (the classes are far from uniform: MAX, MIN and MED favour some digits).
  double memoryless_loss() const override;

  // Token ids.
  static constexpr int32_t kMin = 10, kMax = 11, kMed = 12, kSum = 13, kEnd = 14, kPad = 15;
  // One accepted expression (its tokens) and its value, drawn from rng: exposed for the tests.
  std::vector<int32_t> draw(Rng& rng, int* value) const;
  // The most tokens an expression can have at these depth and argument limits (saturated at 2^31).
  static double longest(int max_depth, int max_args);

 protected:
  void generate(Rng& rng, int32_t* tokens, float* weights, int32_t* targets, int32_t* label) const override;
  bool labelled() const override { return true; }

 private:
  // Appends one subtree at `depth` to out and returns its value; -1 once out has reached max_len_
  // tokens (the draw is then rejected, so the rest need not be generated).
  int subtree(Rng& rng, int depth, std::vector<int32_t>& out) const;
  int depth_, args_, min_len_, max_len_;
};

}  // namespace udlab
