// Flag parsing shared by the subcommands: "--key value" or "--key=value"; config keys (every field of
// RunConfig, with '-' for '_') and a command's own keys. Boolean config keys may omit the value.
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/train/run_config.h"

namespace udlab::cli {

struct Flags {
  std::vector<std::pair<std::string, std::string>> config;  // config keys in the order given (key uses '_')
  std::map<std::string, std::string> own;                   // the command's own keys
  bool help = false;
  bool has(const std::string& k) const { return own.count(k) != 0; }
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = own.find(k);
    return it == own.end() ? def : it->second;
  }
  bool config_has(const std::string& k) const;
};

// own_keys: the command's flags that take a value; own_switches: its flags that take none.
// allow_config: whether model/training flags are accepted. Throws udlab::Error for unknown flags.
Flags parse_flags(const std::vector<std::string>& args, const std::set<std::string>& own_keys,
                  const std::set<std::string>& own_switches = {}, bool allow_config = true);

// A RunConfig from defaults, then --config FILE (if given), then the flags in order.
RunConfig config_from_flags(const Flags& f, RunConfig base = {});
void apply_flags(RunConfig& cfg, const Flags& f);

int parse_int(const std::string& flag, const std::string& v);
double parse_double(const std::string& flag, const std::string& v);
// The help text listing every model/training flag with its default.
std::string config_flags_help();

}  // namespace udlab::cli
