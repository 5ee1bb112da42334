#include "cli/command.h"

namespace udlab::cli {
std::vector<Command>& commands() {
  static std::vector<Command> c;
  return c;
}
}  // namespace udlab::cli
