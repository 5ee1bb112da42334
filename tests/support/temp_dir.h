// A directory under the system temp dir for one test, removed with everything in it afterwards.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace udlab::testing {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;  // the pid keeps parallel test processes apart, the counter tests in one
    path = std::filesystem::temp_directory_path() /
           ("udlab_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes text to path/rel (creating directories) and returns the full path.
  std::string write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = path / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
};

}  // namespace udlab::testing
