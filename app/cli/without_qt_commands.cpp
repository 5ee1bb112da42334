// udlab-cli built without Qt (-DUDLAB_BUILD_GUI=OFF, or Qt 6 absent): plot renders with the GUI's chart
// code and data fetches over Qt Network, so in this build both only say why, in one line, and exit 2.
// CMake compiles this file instead of plot_command.cpp and data_command.cpp.
#include <cstdio>

#include "cli/command.h"

namespace udlab::cli {
namespace {

Command needs_qt(const char* name, const char* summary, const char* why) {
  return {name, std::string(summary) + " (needs Qt: not in this build)", [name, why](const std::vector<std::string>&) {
            std::fprintf(stderr,
                         "udlab-cli %s: this udlab-cli was built without Qt (-DUDLAB_BUILD_GUI=OFF or Qt 6 absent); "
                         "%s needs Qt 6 %s\n",
                         name, name, why);
            return 2;
          }};
}

CommandRegistrar plot_reg(needs_qt("plot", "render run charts to PNG, SVG or PDF", "(Charts, Svg): rebuild with Qt 6"));
CommandRegistrar data_reg(needs_qt("data", "list, download (fetch) and check (verify) dataset files",
                                   "(Network): rebuild with Qt 6, or copy the files into the data directory by hand"));

}  // namespace
}  // namespace udlab::cli
