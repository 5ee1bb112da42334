#include "cli/compare_table.h"

#include <cmath>
#include <cstdio>

namespace udlab::cli {
namespace {

std::string fmt(const char* f, double x) {
  char b[64];
  std::snprintf(b, sizeof b, f, x);
  return b;
}
bool trained(const CompareRow& r) { return r.status == "finished"; }
std::string config_of(const CompareRow& r) { return r.field.empty() ? "" : r.field + "=" + std::to_string(r.value); }

}  // namespace

bool has_accuracy(const std::vector<CompareRow>& rows) {
  for (const auto& r : rows)
    if (r.val_acc >= 0) return true;
  return false;
}

std::string compare_markdown(const std::string& title, const std::vector<CompareRow>& rows, size_t budget) {
  // Tasks that report accuracy (synthetic tasks, ListOps) get val loss and accuracy instead of ppl/bpc.
  const bool acc = has_accuracy(rows);
  std::string md = "## " + title + "\n\n";
  md += std::string("| model | config | params | vs budget | ") + (acc ? "val loss | val accuracy" : "val ppl | val bpc") +
        " | tokens/s | wall time (s) |\n";
  md += "|---|---|---:|---:|---:|---:|---:|---:|\n";
  std::string notes;
  for (const auto& r : rows) {
    const bool planned = r.params > 0;  // skipped rows never got a size
    std::string vs = budget && planned ? fmt("%+.1f%%", 100 * r.budget_error) + (r.within ? "" : " (!)") : "";
    md += "| " + r.label + " | " + config_of(r) + " | " + (planned ? std::to_string(r.params) : "") + " | " + vs + " | ";
    if (trained(r))
      md += (acc ? fmt("%.4f", r.val_loss) + " | " + fmt("%.4f", r.val_acc) : fmt("%.3f", r.val_ppl) + " | " + fmt("%.4f", r.val_bpc)) +
            " | " + fmt("%.0f", r.tokens_per_s) + " | " + fmt("%.1f", r.wall_s) + " |\n";
    else
      md += r.status + " | | | " + (r.wall_s > 0 ? fmt("%.1f", r.wall_s) : "") + " |\n";
    if (budget && planned && !r.within)
      notes += "- " + r.label + ": cannot land within ±2% of " + std::to_string(budget) + " parameters; closest is " +
               config_of(r) + " with " + std::to_string(r.params) + ".\n";
    if (!trained(r)) notes += "- " + r.label + ": " + r.status + ".\n";
  }
  if (!notes.empty()) md += "\n" + notes;
  return md;
}

std::string compare_csv(const std::vector<CompareRow>& rows) {
  std::string csv =
      "label,model,group,mixing,match_field,match_value,params,budget_error_pct,within_2pct,status,val_ppl,val_bpc,"
      "tokens_per_s,wall_s,val_loss,val_accuracy\n";
  for (const auto& r : rows) {
    auto num = [&](double x, const char* f) { return trained(r) ? fmt(f, x) : std::string(); };
    csv += "\"" + r.label + "\"," + r.model + "," + r.group + "," + (r.mixing ? "true" : "false") + "," + r.field + "," +
           (r.field.empty() ? "" : std::to_string(r.value)) + "," + (r.params ? std::to_string(r.params) : "") + "," +
           (r.params ? fmt("%.3f", 100 * r.budget_error) : "") + "," + (r.params ? (r.within ? "true" : "false") : "") +
           ",\"" + r.status + "\"," +
           num(r.val_ppl, "%.6g") + "," + num(r.val_bpc, "%.6g") + "," + num(r.tokens_per_s, "%.6g") + "," +
           fmt("%.3f", r.wall_s) + "," + num(r.val_loss, "%.6g") + "," + (r.val_acc >= 0 ? num(r.val_acc, "%.6g") : "") +
           "\n";
  }
  return csv;
}

}  // namespace udlab::cli
