// Running a short external command (sbatch, squeue, sacct, scancel) and reading what it printed.
// POSIX only; no shell is involved, so arguments are never re-split or expanded.
#pragma once
#include <string>
#include <vector>

namespace udlab {

struct CommandResult {
  int exit_code = -1;     // -1: killed by a signal or could not start
  std::string out, err;   // stdout and stderr, whole
};

// The full path of `program` found on $PATH, or "" when there is none.
std::string find_on_path(const std::string& program);
// Runs argv[0] (looked up on $PATH) and waits at most timeout_s; throws udlab::Error when it cannot
// be started or does not end in time (it is then killed).
CommandResult run_command(const std::vector<std::string>& argv, double timeout_s = 60);
// The last non-empty line of a command's stderr (or stdout), for one-line messages.
std::string last_line(const std::string& text);

}  // namespace udlab
