// Checking dataset files against the catalog: SHA-256 where the catalog has one, the token counts of
// ptb.train.txt otherwise. Shared by `udlab-cli data verify`, the downloader and the GUI.
#pragma once
#include <string>
#include <vector>

#include "core/data/catalog.h"

namespace udlab {

// Lowercase hex SHA-256 of a file, read in chunks. Throws udlab::Error naming an unreadable file.
std::string sha256_file(const std::string& path);

// "" when the file at path is the one the catalog describes, otherwise a one-line reason.
std::string check_data_file(const DataFile& file, const std::string& path);

struct DataFileStatus {
  const DataFile* file = nullptr;
  std::string path;     // where it was found; "" = missing from every search directory
  bool bundled = false; // path is the copy that ships with udlab (no search directory holds the file)
  bool checked = false; // whether `problem` is the result of a check
  std::string problem;  // "" = fine (or not checked)
};

// Where each file of the dataset is, and with verify = true whether it passes its check.
std::vector<DataFileStatus> dataset_file_status(const DatasetInfo& ds, const std::vector<std::string>& dirs,
                                                bool verify);

}  // namespace udlab
