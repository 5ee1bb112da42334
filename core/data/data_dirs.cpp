#include "core/data/data_dirs.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/util/error.h"

namespace udlab {

static std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

static std::string user_cache_dir() {
  std::string xdg = env("XDG_CACHE_HOME");
  // The XDG spec says relative values are invalid and must be ignored.
  if (!xdg.empty() && xdg.front() == '/') return xdg + "/udlab/datasets";
  std::string home = env("HOME");
  if (!home.empty()) return home + "/.cache/udlab/datasets";
  return {};
}

std::vector<std::string> data_search_dirs(const std::string& data_dir) {
  std::vector<std::string> dirs;
  for (std::string d : {data_dir, env("UDLAB_DATA_DIR"), user_cache_dir()}) {
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    if (!d.empty() && std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
  }
  return dirs;
}

std::string data_download_dir(const std::string& data_dir) {
  auto dirs = data_search_dirs(data_dir);
  if (dirs.empty()) throw Error("no dataset directory: pass --data-dir, or set UDLAB_DATA_DIR or HOME");
  return dirs.front();
}

std::optional<std::string> find_data_file(const std::string& rel, const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) {
    std::string p = d + "/" + rel;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

std::vector<std::string> bundled_data_dirs() {
  std::vector<std::string> out;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::vector<std::filesystem::path> cands;
  if (!ec) cands.push_back(exe.parent_path().parent_path() / "share/udlab/datasets");
#ifdef UDLAB_INSTALL_DATADIR
  cands.push_back(UDLAB_INSTALL_DATADIR);
#endif
  for (auto& c : cands) {
    auto p = std::filesystem::weakly_canonical(c, ec);
    if (ec || !std::filesystem::is_directory(p, ec)) continue;
    if (std::find(out.begin(), out.end(), p.string()) == out.end()) out.push_back(p.string());
  }
  return out;
}

std::optional<DataFileLocation> locate_data_file(const std::string& rel, const std::vector<std::string>& dirs) {
  if (auto p = find_data_file(rel, dirs)) return DataFileLocation{*p, false};
  if (auto p = find_data_file(rel, bundled_data_dirs())) return DataFileLocation{*p, true};
  return std::nullopt;
}

std::string missing_data_file_message(const std::string& rel, const std::vector<std::string>& dirs,
                                      const std::string& dataset) {
  std::string where;
  for (size_t i = 0; i < dirs.size(); ++i) {
    if (i > 0) where += (i + 1 == dirs.size()) ? " or " : ", ";
    where += dirs[i];
  }
  if (where.empty()) where = "no directory (set --data-dir or UDLAB_DATA_DIR)";
  return "dataset '" + dataset + "': " + rel + " not found in " + where + " (run `udlab-cli data fetch " +
         dataset + "`)";
}

}  // namespace udlab
