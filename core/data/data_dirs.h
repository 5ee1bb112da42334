// Where dataset files are looked for: the --data-dir flag (or the config's data_dir), then
// $UDLAB_DATA_DIR, then the user cache directory ($XDG_CACHE_HOME/udlab/datasets, by default
// ~/.cache/udlab/datasets). Downloads go to the first of these. When none holds a file, the copy that ships
// with udlab is used (Tiny Shakespeare, installed under share/udlab/datasets; docs/datasets.md).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace udlab {

// The candidate directories in resolution order (empty entries skipped, duplicates removed).
std::vector<std::string> data_search_dirs(const std::string& data_dir);

// The directory that `data fetch` writes to. Throws udlab::Error if no directory can be determined.
std::string data_download_dir(const std::string& data_dir);

// dirs[i] + "/" + rel for the first i where that file exists.
std::optional<std::string> find_data_file(const std::string& rel, const std::vector<std::string>& dirs);

// The directories holding the datasets that ship with udlab, in the same layout as a data directory:
// share/udlab/datasets beside the executable's directory (bin/../share: the build tree and any install
// prefix, so a relocated install works), then the configured install prefix's. Only those that exist.
std::vector<std::string> bundled_data_dirs();

struct DataFileLocation {
  std::string path;
  bool bundled = false;  // found only in a bundled directory
};
// The first search directory holding rel, else the bundled copy, else nullopt.
std::optional<DataFileLocation> locate_data_file(const std::string& rel, const std::vector<std::string>& dirs);

// "tinyshakespeare/input.txt not found in a, b or c" plus a hint to fetch it: the one-line error for a
// missing dataset file.
std::string missing_data_file_message(const std::string& rel, const std::vector<std::string>& dirs,
                                      const std::string& dataset);

}  // namespace udlab
