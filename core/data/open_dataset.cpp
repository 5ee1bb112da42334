#include <filesystem>

#include "core/data/catalog.h"
#include "core/data/data_dirs.h"
#include "core/data/listops.h"
#include "core/data/synthetic_tasks.h"
#include "core/data/token_corpus.h"
#include "core/train/run_config.h"
#include "core/util/error.h"

namespace udlab {

static std::string require_file(const std::string& rel, const std::vector<std::string>& dirs,
                                const std::string& dataset) {
  auto p = locate_data_file(rel, dirs);
  if (!p) throw Error(missing_data_file_message(rel, dirs, dataset));
  return p->path;
}

static const char* kShakespeareFile = "tinyshakespeare/input.txt";

std::string bundled_dataset_path(const TrainConfig& cfg) {
  if (cfg.dataset != "tinyshakespeare") return "";
  auto p = locate_data_file(kShakespeareFile, data_search_dirs(cfg.data_dir));
  return p && p->bundled ? p->path : "";
}

std::unique_ptr<Dataset> open_dataset(const TrainConfig& cfg) {
  const std::string& name = cfg.dataset;
  if (name == "copy")
    return std::make_unique<CopyTask>(cfg.copy_k, cfg.copy_delay, cfg.copy_symbols, cfg.seed, cfg.copy_loss == "all");
  if (name == "listops")
    return std::make_unique<ListOpsTask>(cfg.listops_max_depth, cfg.listops_max_args, cfg.listops_min_len,
                                         cfg.listops_max_len, cfg.seed);
  if (name == "recall")
    return std::make_unique<RecallTask>(cfg.recall_pairs, cfg.recall_keys, cfg.recall_values, cfg.seed);

  auto dirs = data_search_dirs(cfg.data_dir);
  if (name == "tinyshakespeare") return load_char_corpus(require_file(kShakespeareFile, dirs, name), name);
  if (name == "ptb") {
    // All three files come from the directory that holds the training file, never a mix of copies.
    std::string train = require_file("ptb/ptb.train.txt", dirs, name);
    std::string dir = std::filesystem::path(train).parent_path().string();
    std::string val = dir + "/ptb.valid.txt";
    if (!std::filesystem::is_regular_file(val))
      throw Error("dataset 'ptb': " + val + " not found (run `udlab-cli data fetch ptb`)");
    std::string test = dir + "/ptb.test.txt";
    return load_word_corpus(name, train, val, std::filesystem::is_regular_file(test) ? test : "");
  }

  std::error_code ec;
  if (std::filesystem::is_regular_file(name, ec)) return load_char_corpus(name, name);
  if (std::filesystem::exists(name, ec)) throw Error("dataset '" + name + "' is not a regular file");
  throw Error("unknown dataset '" + name + "': not one of " + known_dataset_names() + ", nor an existing file");
}

}  // namespace udlab
