// `udlab-cli data list|fetch NAME|verify [NAME]`: where the dataset files are, downloading them from
// their canonical sources (or a mirror), and checking them against the catalog.
#include <unistd.h>

#include <csignal>
#include <QCoreApplication>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/progress_bar.h"
#include "core/data/catalog.h"
#include "core/data/data_dirs.h"
#include "core/util/error.h"
#include "core/util/memory.h"
#include "ui/datasets/fetch_dataset.h"
#include "ui/datasets/file_download.h"
#include "ui/datasets/file_check.h"

namespace udlab::cli {
namespace {

const char* kUsage =
    "usage: udlab-cli data list [--data-dir DIR]\n"
    "       udlab-cli data fetch NAME [--data-dir DIR] [--mirror URL] [--force] [--timeout SECONDS]\n"
    "       udlab-cli data verify [NAME] [--data-dir DIR]\n"
    "\n"
    "Files are looked for in --data-dir, then $UDLAB_DATA_DIR, then ~/.cache/udlab/datasets\n"
    "($XDG_CACHE_HOME/udlab/datasets); fetch writes to the first of these. Tiny Shakespeare ships\n"
    "with udlab (share/udlab/datasets) and is used when no search directory holds it. --mirror URL fetches\n"
    "<URL>/<dataset>/<file> (http://, https:// or file://) instead of the canonical sources.\n";

struct DataArgs {
  std::string action, name, data_dir, mirror;
  bool force = false;
  int timeout_s = 30;
};

DataArgs parse(const std::vector<std::string>& args) {
  DataArgs a;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& s = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw Error("option " + s + " needs a value");
      return args[++i];
    };
    if (s == "--data-dir") a.data_dir = value();
    else if (s == "--mirror") a.mirror = value();
    else if (s == "--force") a.force = true;
    else if (s == "--timeout") {
      std::string v = value();
      try {
        size_t used = 0;
        a.timeout_s = std::stoi(v, &used);
        if (used != v.size() || a.timeout_s < 1) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        throw Error("--timeout must be a whole number of seconds >= 1, got '" + v + "'");
      }
    } else if (s.rfind("--", 0) == 0) throw Error("unknown option " + s + " (see `udlab-cli data --help`)");
    else positional.push_back(s);
  }
  if (positional.empty()) throw Error("missing action: list, fetch or verify (see `udlab-cli data --help`)");
  a.action = positional[0];
  if (positional.size() > 2) throw Error("unexpected argument '" + positional[2] + "'");
  if (positional.size() == 2) a.name = positional[1];
  if (a.action == "list" && !a.name.empty()) throw Error("data list takes no dataset name");
  if (a.action == "fetch" && a.name.empty()) throw Error("data fetch needs a dataset name: " + known_dataset_names());
  if ((!a.mirror.empty() || a.force) && a.action != "fetch") throw Error("--mirror and --force apply to fetch only");
  return a;
}

const DatasetInfo& dataset_or_throw(const std::string& name) {
  if (name == "copy" || name == "recall") throw Error("'" + name + "' is generated from the seed and has no files");
  if (const DatasetInfo* d = find_dataset_info(name)) return *d;
  throw Error("unknown dataset '" + name + "': not one of " + known_dataset_names());
}

int list(const DataArgs& a) {
  auto dirs = data_search_dirs(a.data_dir);
  std::printf("search directories, in order:\n");
  for (const auto& d : dirs) std::printf("  %s\n", d.c_str());
  for (const auto& d : bundled_data_dirs()) std::printf("  %s  (bundled with udlab, read-only)\n", d.c_str());
  for (const auto& ds : dataset_catalog()) {
    std::printf("\n%-16s %s\n", ds.name.c_str(), ds.description.c_str());
    for (const auto& st : dataset_file_status(ds, dirs, false))
      std::printf("  %-28s %s%s%s\n", st.file->path.c_str(), st.bundled ? "bundled: " : "",
                  st.path.empty() ? "missing" : st.path.c_str(), st.file->required ? "" : "  (optional)");
  }
  std::printf("\n%-16s %s\n", "copy", "synthetic copy memory (generated from the seed, no files)");
  std::printf("%-16s %s\n", "recall", "synthetic associative recall (generated from the seed, no files)");
  return 0;
}

int verify(const DataArgs& a) {
  auto dirs = data_search_dirs(a.data_dir);
  std::vector<const DatasetInfo*> which;
  if (a.name.empty())
    for (const auto& ds : dataset_catalog()) which.push_back(&ds);
  else which.push_back(&dataset_or_throw(a.name));
  int ok = 0, bad = 0, missing = 0, missing_named = 0;
  for (const DatasetInfo* ds : which)
    for (const auto& st : dataset_file_status(*ds, dirs, true)) {
      if (st.path.empty()) {
        ++missing;
        missing_named += !a.name.empty() && st.file->required;
        std::printf("missing  %s\n", st.file->path.c_str());
      } else if (st.problem.empty()) {
        ++ok;
        std::printf("ok       %s  %s\n", st.file->path.c_str(), st.path.c_str());
      } else {
        ++bad;
        std::printf("BAD      %s  %s: %s\n", st.file->path.c_str(), st.path.c_str(), st.problem.c_str());
      }
    }
  std::printf("%d ok, %d bad, %d missing\n", ok, bad, missing);
  std::fflush(stdout);
  if (bad > 0) throw Error(std::to_string(bad) + " file(s) failed verification (re-fetch with `udlab-cli data fetch NAME --force`)");
  if (missing_named > 0) throw Error("dataset '" + a.name + "' is incomplete (run `udlab-cli data fetch " + a.name + "`)");
  return 0;
}

// SIGINT/SIGTERM during a fetch: remove the partial file (unlink is async-signal-safe), then exit as
// the signal would have.
void on_fetch_signal(int sig) {
  const char* part = FileDownload::currentPartialFile();
  if (part[0]) ::unlink(part);
  ::_exit(128 + sig);
}

int fetch(const DataArgs& a) {
  std::signal(SIGINT, on_fetch_signal);
  std::signal(SIGTERM, on_fetch_signal);
  const DatasetInfo& ds = dataset_or_throw(a.name);
  // Qt networking needs an application object; main() does not create one for the other commands.
  static int argc = 1;
  static char arg0[] = "udlab-cli";
  static char* argv[] = {arg0, nullptr};
  std::unique_ptr<QCoreApplication> app;
  if (!QCoreApplication::instance()) app = std::make_unique<QCoreApplication>(argc, argv);

  FetchOptions opts;
  opts.data_dir = a.data_dir;
  opts.mirror = a.mirror;
  opts.force = a.force;
  opts.timeout_ms = a.timeout_s * 1000;
  std::unique_ptr<ProgressBar> bar;
  const DataFile* current = nullptr;
  opts.on_progress = [&](const DataFile& f, qint64 got, qint64 total) {
    if (current != &f) {
      current = &f;
      bar = std::make_unique<ProgressBar>(f.path);
    }
    std::string detail = human_bytes(double(got));
    if (total > 0) detail += " / " + human_bytes(double(total));
    bar->update(double(got), double(total), detail);
  };
  opts.on_file = [&](const DataFile& f, const std::string& path, const std::string& what) {
    if (bar) bar->clear();
    std::printf("%-28s %s: %s\n", f.path.c_str(), what.c_str(), path.c_str());
    std::fflush(stdout);
  };
  try {
    fetch_dataset(ds, opts);
  } catch (...) {
    if (bar) bar->clear();
    throw;
  }
  return 0;
}

int run(const std::vector<std::string>& args) {
  for (const auto& s : args)
    if (s == "--help" || s == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  DataArgs a = parse(args);
  if (a.action == "list") return list(a);
  if (a.action == "verify") return verify(a);
  if (a.action == "fetch") return fetch(a);
  throw Error("unknown action '" + a.action + "': expected list, fetch or verify");
}

CommandRegistrar reg({"data", "list, download (fetch) and check (verify) dataset files", run});

}  // namespace
}  // namespace udlab::cli
