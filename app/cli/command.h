// udlab-cli subcommands register themselves here (one file per subcommand in app/cli/), so adding a
// subcommand touches no other file. main_cli.cpp only dispatches.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace udlab::cli {

struct Command {
  std::string name;     // e.g. "train"
  std::string summary;  // one line for `udlab-cli --help`
  // Receives the arguments after the subcommand name; returns the process exit code.
  // Throwing udlab::Error prints "udlab-cli <name>: <message>" and exits 1.
  std::function<int(const std::vector<std::string>& args)> run;
};

std::vector<Command>& commands();

struct CommandRegistrar {
  explicit CommandRegistrar(Command c) { commands().push_back(std::move(c)); }
};

}  // namespace udlab::cli
