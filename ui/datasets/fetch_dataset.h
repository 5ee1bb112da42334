// Blocking fetch of a whole dataset, for the CLI (and anything else without its own event loop
// handling): every catalog file that is missing from the download directory, or fails its check
// there, is downloaded into it. Needs a QCoreApplication; runs a local event loop while it works.
#pragma once
#include <QtGlobal>
#include <functional>
#include <string>

#include "core/data/catalog.h"

namespace udlab {

struct FetchOptions {
  std::string data_dir;  // --data-dir; "" = $UDLAB_DATA_DIR or the cache directory
  // Base URL that replaces each file's canonical source: <mirror>/<file.path>. http(s):// or file://.
  std::string mirror;
  bool force = false;    // download even when a good copy is already found
  int timeout_ms = 30000;
  // Caps on one file's size and on its whole transfer time; 0 = FileDownload's defaults (256 MiB,
  // 20 × timeout_ms). Set smaller by tests.
  qint64 max_bytes = 0;
  qint64 deadline_ms = 0;
  // Called as bytes arrive (total -1 when unknown).
  std::function<void(const DataFile&, qint64 received, qint64 total)> on_progress;
  // Called once per file: its path and what happened ("downloaded", "already present").
  std::function<void(const DataFile&, const std::string& path, const std::string& what)> on_file;
};

// Throws udlab::Error with a one-line message on the first file that cannot be fetched.
void fetch_dataset(const DatasetInfo& ds, const FetchOptions& opts);

}  // namespace udlab
