// The datasets udlab knows by name and the files behind them: where each comes from and how a copy is
// checked. `udlab-cli data` and the GUI's dataset page both read this table.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace udlab {

struct DataFile {
  std::string path;    // relative to a data directory, e.g. "ptb/ptb.valid.txt"
  std::string url;     // canonical public source
  std::string sha256;  // lowercase hex; empty when the file is checked by its token counts instead
  bool required = true;  // false: the dataset works without it (ptb's test split)
};

struct DatasetInfo {
  std::string name;         // as passed to --dataset
  std::string description;  // one line
  std::vector<DataFile> files;
};

// The downloadable datasets (the synthetic tasks need no files and are not listed). Tiny Shakespeare
// also ships with udlab (core/data/data_dirs.h, resources/).
const std::vector<DatasetInfo>& dataset_catalog();
// nullptr when name is not in the catalog.
const DatasetInfo* find_dataset_info(const std::string& name);
// Comma-separated names of every dataset, synthetic tasks included, for error messages.
std::string known_dataset_names();

// Token statistics of a word-level file as the ptb dataset reads it.
struct WordFileStats {
  uint64_t words = 0;  // tokens other than <eos>
  uint64_t lines = 0;  // <eos> tokens
  uint64_t types = 0;  // distinct tokens, <eos> included
};
WordFileStats word_file_stats(const std::string& path);

// ptb.train.txt has no published checksum we can rely on, so it is checked by what the standard
// split is defined by: 887,521 words, 42,068 lines and a vocabulary of 10,000 (with <eos>).
// Returns "" when the file matches, otherwise why it does not.
std::string check_ptb_train(const std::string& path);

}  // namespace udlab
