// udlab-cli compare: trains several models on the same data with the same training settings, each
// sized to the same parameter budget, and writes one table (compare.md, compare.csv) into --out.
//   --preset paper-table   group-rnn O(d) without and with mixing, group-transformer O(d), lstm, transformer
//   --preset lru-ladder    the LRU paper's ablation ladder (docs/lru.md), --model lru at the flags' widths;
//                          also writes DIR/compare.png, the rungs' validation accuracy (or loss) per step
//   --groups o,u,...       one model (--model, default group-rnn) once per subgroup
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli/command.h"
#include "cli/compare_table.h"
#include "cli/flags.h"
#include "core/data/dataset.h"
#include "core/groups/group.h"
#include "core/models/lru/lru_ladder.h"
#include "core/models/model_registry.h"
#include "core/models/param_count.h"
#include "core/train/trainer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Plan {
  CompareRow row;
  RunConfig cfg;
};

// Keeps the last validation record and the pure training time (the sum of step times, evaluation and
// checkpoints excluded), so tokens/s compares the models' steps and nothing else.
class CompareObserver : public TrainObserver {
 public:
  void on_metrics(const nlohmann::json& rec) override {
    if (rec.contains("val_loss")) last_eval = rec;
  }
  void on_progress(int, int, double tokens_per_s) override {
    if (tokens_per_s > 0) step_seconds += tokens_per_step / tokens_per_s;
  }
  double tokens_per_step = 0, step_seconds = 0;
  nlohmann::json last_eval;
};

std::string group_label(const std::string& g) {
  if (g == "o") return "O(d)";
  if (g == "so") return "SO(d)";
  if (g == "u") return "U(d)";
  if (g == "su") return "SU(d)";
  if (g == "torus") return "U(1)^d";
  if (g == "sp") return "Sp(d/2)";
  if (g.rfind("blockdiag:", 0) == 0) return "SO(" + g.substr(10) + ")^(d/" + g.substr(10) + ")";
  return g;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

Plan plan_row(const RunConfig& base, const std::string& model, const std::string& group, bool mixing) {
  Plan p;
  p.cfg = base;
  p.cfg.model.model = model;
  p.row.model = model;
  if (!group.empty()) {
    p.cfg.model.group = group;
    p.cfg.model.mixing = mixing;
    p.row.group = group;
    p.row.mixing = mixing;
    p.row.label = model + " " + group_label(group) + (mixing ? " + mixing" : "");
  } else {
    p.row.label = model;
  }
  return p;
}

std::string slug(size_t i, const CompareRow& r) {
  std::string s = std::to_string(i + 1) + "-" + r.model + (r.group.empty() ? "" : "-" + r.group) + (r.mixing ? "-mixing" : "");
  for (auto& c : s)
    if (c == ':') c = '_';
  return s;
}

// A group name that no d accepts is a typo: report make_group's message (it lists the known groups)
// now, rather than the matcher's "no valid d".
void check_group_name(const std::string& g) {
  for (int d = 1; d <= 64; ++d) {
    try {
      make_group(g, d);
      return;
    } catch (const Error&) {
    }
  }
  make_group(g, 64);
}

// DIR/compare.png through `udlab-cli plot` (the figure renderer; it needs Qt, so a Qt-less build says why
// and the tables stand alone): every trained row's validation accuracy (or loss) against the step, one
// line per row, labelled as in the table (the LRU paper's Figure 1 as learning curves).
void write_figure(const std::string& out, const std::vector<Plan>& plans, bool accuracy) {
  std::vector<std::string> args;
  for (size_t i = 0; i < plans.size(); ++i)
    if (plans[i].row.status == "finished") args.insert(args.end(), {"--run", out + "/runs/" + slug(i, plans[i].row)});
  if (args.empty()) return;
  args.insert(args.end(), {"--chart", "loss", "--metric", accuracy ? "accuracy" : "loss", "--size", "page", "--out",
                           out + "/compare.png"});
  for (const Command& c : commands())
    if (c.name == "plot") {
      try {
        if (int rc = c.run(args)) std::fprintf(stderr, "udlab-cli compare: no figure (udlab-cli plot exited %d)\n", rc);
      } catch (const Error& e) {
        std::fprintf(stderr, "udlab-cli compare: no figure: %s\n", e.what());
      }
    }
}

int run_compare(const std::vector<std::string>& args) {
  Flags f = parse_flags(args, {"preset", "groups", "budget", "out", "config"});
  if (f.help) {
    std::printf(
        "usage: udlab-cli compare (--preset paper-table | --groups o,u,su,torus,blockdiag:2 [--model M])\n"
        "                         [--budget N] [--steps S] [--dataset D] [--out DIR] [training flags]\n"
        "Trains every model of the comparison on the same data with the same training flags and seed. With\n"
        "--budget N each model's width (hidden, or d for group models) is chosen to land closest to N\n"
        "parameters; rows that miss ±2%% are marked. paper-table: group-rnn O(d) without and with mixing,\n"
        "group-transformer O(d), lstm and transformer (--preset requires --budget). --groups runs one model\n"
        "(default group-rnn) once per subgroup. Writes DIR/compare.md, DIR/compare.csv and one run directory\n"
        "per row under DIR/runs/, and prints the Markdown table. Validation runs once, after the last step,\n"
        "unless --eval-every is given.\n\n%s",
        config_flags_help().c_str());
    return 0;
  }
  if (f.has("preset") == f.has("groups")) throw Error("give exactly one of --preset paper-table and --groups LIST");
  RunConfig base = config_from_flags(f);
  size_t budget = 0;
  if (f.has("budget")) {
    int b = parse_int("budget", f.get("budget"));
    if (b <= 0) throw Error("--budget must be positive");
    budget = size_t(b);
  }
  if (!f.config_has("eval_every")) base.train.eval_every = base.train.steps;
  if (!f.config_has("log_every")) base.train.log_every = std::min(base.train.log_every, base.train.steps);
  if (!f.config_has("checkpoint_every")) base.train.checkpoint_every = base.train.steps;

  std::vector<Plan> plans;
  std::string title;
  const bool ladder = f.has("preset") && f.get("preset") == "lru-ladder";
  if (ladder) {
    // Each rung changes one option from the rung above; all at the same widths (no budget matching).
    if (budget) throw Error("--preset lru-ladder keeps the flags' --hidden/--state/--layers for every rung; drop --budget");
    for (const LruRung& r : lru_ladder()) {
      Plan p = plan_row(base, "lru", "", false);
      p.cfg.model = r.apply(base.model);
      p.row.label = r.label;
      plans.push_back(p);
    }
    title = "lru-ladder";
  } else if (f.has("preset")) {
    if (f.get("preset") != "paper-table")
      throw Error("unknown preset '" + f.get("preset") + "' (known: paper-table, lru-ladder)");
    if (!budget) throw Error("--preset paper-table needs --budget N");
    plans.push_back(plan_row(base, "group-rnn", "o", false));
    plans.push_back(plan_row(base, "group-rnn", "o", true));
    plans.push_back(plan_row(base, "group-transformer", "o", false));
    plans.push_back(plan_row(base, "lstm", "", false));
    plans.push_back(plan_row(base, "transformer", "", false));
    title = "paper-table";
  } else {
    std::string model = f.config_has("model") ? base.model.model : "group-rnn";
    auto groups = split_list(f.get("groups"));
    if (groups.empty()) throw Error("--groups needs a comma-separated list, e.g. o,u,su,torus,blockdiag:2");
    const ModelInfo& info = ModelRegistry::instance().get(model);
    if (info.match_field != "d") throw Error("--groups needs a group model (got --model " + model + ")");
    for (auto& g : groups) {
      check_group_name(g);
      plans.push_back(plan_row(base, model, g, base.model.mixing));
    }
    title = model + " across subgroups";
  }

  auto data = open_dataset(base.train);
  const int vocab = data->vocab().size();
  const int T = data->fixed_seq_len() > 0 ? data->fixed_seq_len() : base.train.seq_len;
  const std::string out = f.has("out") ? f.get("out") : "compare-out";
  title += ": " + data->name() + (budget ? ", budget " + std::to_string(budget) + " parameters" : "") + ", " +
           std::to_string(base.train.steps) + " steps, batch " + std::to_string(base.train.batch) + " x seq_len " +
           std::to_string(T) + ", lr " + std::to_string(base.train.lr).substr(0, 6) + ", seed " +
           std::to_string(base.train.seed);

  // Plan every row before training any, so that a bad group name fails in seconds, not after hours.
  for (auto& p : plans) {
    const ModelInfo* info = ModelRegistry::instance().find(p.row.model);
    if (!info) {
      p.row.status = "skipped: model " + p.row.model + " is not built into this udlab-cli";
      continue;
    }
    // Positional tables must cover the run's sequence length.
    if (p.row.model == "transformer" || p.row.model == "group-transformer") p.cfg.model.max_len = T;
    if (budget) {
      MatchResult m = match_params(p.cfg.model, vocab, budget, 1e9);
      p.cfg.model = m.cfg;
      p.row.budget_error = m.rel_error;
      p.row.within = std::abs(m.rel_error) <= 0.02;
    }
    p.row.field = info->match_field;
    p.row.value = info->match_field == "d" ? p.cfg.model.d : p.cfg.model.hidden;
    p.row.params = count_params(p.cfg.model, vocab);
  }

  std::filesystem::create_directories(out + "/runs");
  std::vector<CompareRow> rows;
  for (size_t i = 0; i < plans.size(); ++i) {
    Plan& p = plans[i];
    if (p.row.status.empty()) {
      CompareObserver obs;
      obs.tokens_per_step = double(p.cfg.train.batch) * T;
      TrainerOptions opts;
      opts.run_dir = out + "/runs/" + slug(i, p.row);
      opts.label = p.row.label;  // figure legends and GUI lists name the row, not the directory
      auto t0 = Clock::now();
      Trainer trainer(p.cfg, opts, &obs);
      RunStatus s = trainer.run();
      p.row.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
      p.row.status = s.state == "finished" ? s.state : s.state + (s.reason.empty() ? "" : " (" + s.reason + ")");
      if (s.state == "finished" && obs.last_eval.contains("val_loss") && obs.last_eval["val_loss"].is_number()) {
        p.row.val_ppl = obs.last_eval["val_ppl"].get<double>();
        p.row.val_bpc = obs.last_eval["val_bpc"].get<double>();
        p.row.val_loss = obs.last_eval["val_loss"].get<double>();
        if (obs.last_eval.contains("val_accuracy") && obs.last_eval["val_accuracy"].is_number())
          p.row.val_acc = obs.last_eval["val_accuracy"].get<double>();
      } else if (s.state == "finished") {
        p.row.status = "finished without a validation loss (empty validation split?)";
      }
      p.row.tokens_per_s = obs.step_seconds > 0 ? obs.tokens_per_step * p.cfg.train.steps / obs.step_seconds : 0;
      std::fprintf(stderr, "[%zu/%zu] %s (%s=%d, %zu params): %s, val bpc %.4f, %.0f tok/s, %.1f s\n", i + 1,
                   plans.size(), p.row.label.c_str(), p.row.field.c_str(), p.row.value, p.row.params,
                   p.row.status.c_str(), p.row.val_bpc, p.row.tokens_per_s, p.row.wall_s);
    } else {
      std::fprintf(stderr, "[%zu/%zu] %s: %s\n", i + 1, plans.size(), p.row.label.c_str(), p.row.status.c_str());
    }
    rows.push_back(p.row);
  }
  std::string md = compare_markdown(title, rows, budget);
  write_file_atomic(out + "/compare.md", md);
  write_file_atomic(out + "/compare.csv", compare_csv(rows));
  std::printf("%s", md.c_str());
  if (ladder) write_figure(out, plans, data->synthetic());
  return 0;
}

CommandRegistrar reg({"compare", "train several models at one parameter budget; writes a Markdown/CSV table",
                      run_compare});

}  // namespace
}  // namespace udlab::cli
