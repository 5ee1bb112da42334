// The sweep's summary table, built only from what is on disk: sweep.json for the plan, each run's
// status.json for its end and metrics.jsonl for its last validation record and its throughput.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "cli/command.h"
#include "cli/sweep_cli.h"
#include "core/io/run_dir.h"
#include "core/models/model_registry.h"
#include "core/sweep/sweep_dir.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab::cli {
std::vector<CompareRow> sweep_rows(const std::string& dir) {
  const nlohmann::json sweep = read_sweep_json(dir);
  const auto states = sweep_states(dir, sweep);
  const size_t budget = sweep.value("budget", size_t(0));
  std::vector<CompareRow> rows;
  for (size_t i = 0; i < states.size(); ++i) {
    const auto& s = states[i];
    const auto& p = sweep["points"][i];
    CompareRow r;
    r.label = s.label;
    r.params = p.value("params", size_t(0));
    r.budget_error = p.value("budget_error", 0.0);
    r.within = std::abs(r.budget_error) <= 0.02;
    r.status = s.state == "finished" ? s.state : s.state + (s.reason.empty() ? "" : " (" + s.reason + ")");
    if (s.state == "skipped") r.status = s.reason;
    try {
      const RunConfig cfg = run_config_from_json(read_json_file(dir + "/points/" + s.name + ".json"));
      r.model = cfg.model.model;
      if (const ModelInfo* info = ModelRegistry::instance().find(r.model)) {
        r.field = info->match_field;
        r.value = r.field == "d" ? cfg.model.d : cfg.model.hidden;
        if (r.field == "d") {
          r.group = cfg.model.group;
          r.mixing = cfg.model.mixing;
        }
      }
    } catch (const Error&) {
      // skipped points have no config file
    }
    if (!budget) r.field.clear();
    if (s.state != "skipped") {
      std::ifstream in(s.run_dir + "/metrics.jsonl");
      MetricsRecord last_eval;
      double seconds = 0, prev_tokens = 0, tokens = 0;
      for (std::string line; std::getline(in, line);) {
        MetricsRecord rec;
        try {
          rec = parse_metrics_line(line);
        } catch (const Error&) {
          continue;  // a torn last line of a killed run
        }
        if (rec.has(Metric::ValLoss)) last_eval = rec;
        if (std::isfinite(rec.get(Metric::WallTime))) r.wall_s = rec.get(Metric::WallTime);
        const double t = rec.get(Metric::Tokens), tps = rec.get(Metric::TokensPerS);
        if (t > prev_tokens && tps > 0) {
          seconds += (t - prev_tokens) / tps;
          tokens = t;
        }
        if (t > prev_tokens) prev_tokens = t;
      }
      r.tokens_per_s = seconds > 0 ? tokens / seconds : 0;
      if (s.state == "finished") {
        if (std::isfinite(last_eval.get(Metric::ValPpl))) {
          r.val_ppl = last_eval.get(Metric::ValPpl);
          r.val_bpc = last_eval.get(Metric::ValBpc);
          r.val_loss = last_eval.get(Metric::ValLoss);
          if (std::isfinite(last_eval.get(Metric::ValAccuracy))) r.val_acc = last_eval.get(Metric::ValAccuracy);
        } else {
          r.status = "finished without a validation loss (empty validation split?)";
        }
      }
    }
    rows.push_back(r);
  }
  return rows;
}

// Rows that differ only in their seed, as mean ± sample std (finished runs only): what a table of
// repeats reports. "" when the sweep has no seed axis.
static bool has_seed_axis(const nlohmann::json& sweep) {
  for (const auto& a : sweep.value("axes", nlohmann::json::array()))
    if (a.value("key", std::string()) == "seed") return true;
  return false;
}

static std::string seed_table(const nlohmann::json& sweep, const std::vector<CompareRow>& rows) {
  if (!has_seed_axis(sweep)) return "";
  std::vector<std::string> keys;
  std::map<std::string, std::vector<size_t>> members;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string key;
    for (const auto& kv : sweep["points"][i].value("axes", nlohmann::json::array()))
      if (kv.is_array() && kv.size() == 2 && kv[0] != "seed") key += (key.empty() ? "" : " ") + kv[0].get<std::string>() + "=" + kv[1].get<std::string>();
    if (key.empty()) key = "all";
    if (!members.count(key)) keys.push_back(key);
    members[key].push_back(i);
  }
  auto fmt = [](const char* f, double x) {
    char b[64];
    std::snprintf(b, sizeof b, f, x);
    return std::string(b);
  };
  auto stat = [&](const std::vector<double>& v, const char* f) {
    if (v.empty()) return std::string();
    double m = 0, ss = 0;
    for (double x : v) m += x;
    m /= double(v.size());
    for (double x : v) ss += (x - m) * (x - m);
    return fmt(f, m) + (v.size() > 1 ? " ± " + fmt(f, std::sqrt(ss / double(v.size() - 1))) : "");
  };
  // As the main table: val loss and accuracy for tasks that report accuracy, else ppl and bpc.
  const bool acc = has_accuracy(rows);
  std::string md = "\n### Over seeds (mean ± sample std of the finished runs)\n\n";
  md += std::string("| point | finished / runs | ") + (acc ? "val loss | val accuracy" : "val ppl | val bpc") +
        " | tokens/s |\n|---|---:|---:|---:|---:|\n";
  for (const auto& key : keys) {
    std::vector<double> ppl, bpc, tps;
    for (size_t i : members[key])
      if (rows[i].status == "finished") {
        ppl.push_back(acc ? rows[i].val_loss : rows[i].val_ppl);
        bpc.push_back(acc ? rows[i].val_acc : rows[i].val_bpc);
        tps.push_back(rows[i].tokens_per_s);
      }
    md += "| " + key + " | " + std::to_string(ppl.size()) + " / " + std::to_string(members[key].size()) + " | " +
          stat(ppl, "%.3f") + " | " + stat(bpc, "%.4f") + " | " + stat(tps, "%.0f") + " |\n";
  }
  return md;
}

std::string write_sweep_summary(const std::string& dir) {
  const nlohmann::json sweep = read_sweep_json(dir);
  const auto rows = sweep_rows(dir);
  const std::string md = compare_markdown(sweep.value("title", std::string("sweep")), rows, sweep.value("budget", size_t(0))) +
                         seed_table(sweep, rows);
  write_file_atomic(dir + "/compare.md", md);
  write_file_atomic(dir + "/compare.csv", compare_csv(rows));
  return md;
}

void write_compare_figure(const std::string& dir) {
  const auto rows = sweep_rows(dir);
  const nlohmann::json sweep = read_sweep_json(dir);
  const auto states = sweep_states(dir, sweep);
  std::vector<std::string> args;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].status == "finished") args.insert(args.end(), {"--run", states[i].run_dir});
  if (args.empty()) return;
  // Repeats over seeds read as one mean line with a ±std band per point, as the table's seed rows do;
  // one curve per run would hide the spread the repeats were run to measure.
  if (has_seed_axis(sweep)) args.insert(args.end(), {"--chart", "compare", "--group-seeds"});
  else args.insert(args.end(), {"--chart", "loss"});
  args.insert(args.end(), {"--metric", has_accuracy(rows) ? "accuracy" : "loss", "--size", "page", "--out", dir + "/compare.png"});
  // stdout carries the table only: what plot prints ("wrote …") goes to stderr.
  std::fflush(stdout);
  const int saved = ::dup(1);
  ::dup2(2, 1);
  for (const Command& c : commands())
    if (c.name == "plot") {
      try {
        if (int rc = c.run(args)) std::fprintf(stderr, "udlab-cli compare: no figure (udlab-cli plot exited %d)\n", rc);
      } catch (const Error& e) {
        std::fprintf(stderr, "udlab-cli compare: no figure: %s\n", e.what());
      }
    }
  std::fflush(stdout);
  if (saved >= 0) {
    ::dup2(saved, 1);
    ::close(saved);
  }
}

}  // namespace udlab::cli
