// udlab-cli status: the state of run directories as a reader sees them, including runs whose
// training process stopped unexpectedly (status "running" with a stale heartbeat or a dead pid).
#include <cstdio>

#include "cli/command.h"
#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

int run_status(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::printf("usage: udlab-cli status DIR [DIR ...]\n"
                "Prints each run directory's state, step and reason. A run whose status says running or paused\n"
                "but whose process no longer writes a heartbeat shows as \"stopped unexpectedly\"; resume it with\n"
                "udlab-cli train --resume DIR.\n");
    return args.empty() ? 2 : 0;
  }
  int bad = 0;
  for (const auto& dir : args) {
    try {
      const auto s = read_json_file(dir + "/status.json");
      std::string state = s.value("state", std::string("?")), reason = s.value("reason", std::string());
      const int step = s.contains("step") && s["step"].is_number() ? s["step"].get<int>() : 0;
      if (std::string why = run_dir_liveness_problem(dir); !why.empty()) {
        state = "stopped unexpectedly";
        reason = why + "; resume with udlab-cli train --resume " + dir;
      }
      std::printf("%s: %s at step %d%s%s\n", dir.c_str(), state.c_str(), step, reason.empty() ? "" : ": ", reason.c_str());
    } catch (const Error& e) {
      std::fprintf(stderr, "%s: %s\n", dir.c_str(), e.what());
      ++bad;
    }
  }
  return bad ? 1 : 0;
}

CommandRegistrar reg({"status", "show run directories' states (finds runs that stopped unexpectedly)", run_status});

}  // namespace
}  // namespace udlab::cli
