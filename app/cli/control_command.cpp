// udlab-cli control: pause, resume, stop or hot-edit a run that another udlab-cli process is training,
// through its directory (core/train/run_requests.h). The training process applies the request within
// a fraction of a second; status.json and metrics.jsonl show the result.
#include <cstdio>
#include <cstdlib>

#include "cli/command.h"
#include "core/train/hot_edit.h"
#include "core/train/run_requests.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

int run_control(const std::vector<std::string>& args) {
  if (args.size() < 2 || args[0] == "--help" || args[0] == "-h") {
    std::printf("usage: udlab-cli control DIR pause|resume|step|stop\n"
                "       udlab-cli control DIR edit KEY=VALUE [KEY=VALUE ...]\n"
                "Sends a request to the process training run directory DIR (udlab-cli train, or the GUI's\n"
                "follow). step takes one optimiser step of a paused run. Editable keys: lr, clip,\n"
                "weight_decay, min_lr_frac; applied before the next step.\n");
    return args.empty() || args[0] == "--help" || args[0] == "-h" ? 0 : 2;
  }
  const std::string& dir = args[0];
  const std::string& action = args[1];
  nlohmann::json request = {{"action", action}};
  if (action == "edit") {
    if (args.size() < 3) throw Error("edit needs KEY=VALUE, e.g. lr=0.001");
    nlohmann::json changes = nlohmann::json::object();
    for (size_t i = 2; i < args.size(); ++i) {
      const auto eq = args[i].find('=');
      if (eq == std::string::npos) throw Error("'" + args[i] + "' is not KEY=VALUE");
      char* end = nullptr;
      const std::string value = args[i].substr(eq + 1);
      const double v = std::strtod(value.c_str(), &end);
      if (value.empty() || *end) throw Error("'" + value + "' is not a number (in " + args[i] + ")");
      changes[args[i].substr(0, eq)] = v;
    }
    request["changes"] = changes;
  } else if (args.size() > 2) {
    throw Error(action + " takes no further arguments");
  }
  write_run_request(dir, request);
  std::printf("sent %s to %s\n", action.c_str(), dir.c_str());
  return 0;
}

CommandRegistrar reg({"control", "pause, resume, stop or hot-edit a run another process is training", run_control});

}  // namespace
}  // namespace udlab::cli
