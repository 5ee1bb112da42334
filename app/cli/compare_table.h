// The comparison table written by `udlab-cli compare`: one row per trained model, as Markdown (for
// reading and the closing notes) and CSV (for plotting). Formatting only; the runs happen elsewhere.
#pragma once
#include <string>
#include <vector>

namespace udlab::cli {

struct CompareRow {
  std::string label;        // e.g. "group-rnn O(d) + mixing"
  std::string model, group; // group empty for the baselines
  bool mixing = false;
  std::string field;        // the matched field ("hidden" or "d"), empty without a budget
  int value = 0;            // its value
  size_t params = 0;
  double budget_error = 0;  // (params - budget) / budget; 0 without a budget
  bool within = true;       // |budget_error| <= 2%
  std::string status;       // finished | diverged | skipped: <why>
  double val_ppl = 0, val_bpc = 0, tokens_per_s = 0, wall_s = 0;
  double val_loss = 0, val_acc = -1;  // val_acc < 0: the dataset reports no accuracy (text corpora)
};

// Markdown: a title line, the table, then one note per row that missed the budget or did not finish.
std::string compare_markdown(const std::string& title, const std::vector<CompareRow>& rows, size_t budget);
std::string compare_csv(const std::vector<CompareRow>& rows);
// Whether any row reports a validation accuracy (synthetic tasks, ListOps).
bool has_accuracy(const std::vector<CompareRow>& rows);

}  // namespace udlab::cli
