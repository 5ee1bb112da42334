// udlab-cli: the headless front end of the engine. Dispatches to the subcommands in app/cli/.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/util/error.h"
#include "core/util/omp_env.h"

using udlab::cli::commands;

static void usage(FILE* out) {
  std::fprintf(out, "usage: udlab-cli <command> [options]\n\ncommands:\n");
  auto cmds = commands();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (auto& c : cmds) std::fprintf(out, "  %-10s %s\n", c.name.c_str(), c.summary.c_str());
  std::fprintf(out, "\n`udlab-cli <command> --help` lists a command's options.\n");
}

int main(int argc, char** argv) {
  udlab::reexec_with_passive_omp(argv);  // before anything else: libgomp has read its env already
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::puts("udlab-cli " UDLAB_VERSION);
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (auto& c : commands()) {
    if (c.name != name) continue;
    try {
      return c.run(args);
    } catch (const udlab::Error& e) {
      std::fprintf(stderr, "udlab-cli %s: %s\n", name.c_str(), e.what());
      return 1;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "udlab-cli %s: out of memory\n", name.c_str());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "udlab-cli %s: internal error: %s\n", name.c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "udlab-cli: unknown command '%s'\n", name.c_str());
  usage(stderr);
  return 2;
}
