#include "cli/flags.h"

#include <cmath>
#include <cstdlib>

#include "core/io/run_dir.h"
#include "core/util/error.h"

namespace udlab::cli {

static std::string underscored(std::string s) {
  for (auto& c : s) if (c == '-') c = '_';
  return s;
}
static std::string dashed(std::string s) {
  for (auto& c : s) if (c == '_') c = '-';
  return s;
}

bool Flags::config_has(const std::string& k) const {
  for (auto& [key, v] : config) if (key == k) return true;
  return false;
}

Flags parse_flags(const std::vector<std::string>& args, const std::set<std::string>& own_keys,
                  const std::set<std::string>& own_switches, bool allow_config) {
  Flags f;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") { f.help = true; continue; }
    if (a.rfind("--", 0) != 0) throw Error("unexpected argument '" + a + "'");
    std::string key = a.substr(2), value;
    bool has_value = false;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
      has_value = true;
    }
    if (own_switches.count(key)) {
      f.own[key] = has_value ? value : "true";
      continue;
    }
    bool own = own_keys.count(key) != 0;
    std::string ckey = underscored(key);
    bool cfg = allow_config && !own && is_config_key(ckey);
    if (!own && !cfg) throw Error("unknown flag --" + key);
    if (!has_value) {
      bool next_is_value = i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0;
      if (cfg && is_bool_key(ckey) && !next_is_value) value = "true";
      else if (!next_is_value) throw Error("flag --" + key + " needs a value");
      else value = args[++i];
    }
    if (own) f.own[key] = value;
    else f.config.emplace_back(ckey, value);
  }
  return f;
}

void apply_flags(RunConfig& cfg, const Flags& f) {
  for (auto& [k, v] : f.config) set_from_string(cfg, k, v);
}

RunConfig config_from_flags(const Flags& f, RunConfig base) {
  if (f.has("config")) {
    std::string path = f.get("config");
    try {
      apply_json(base, read_json_file(path));
    } catch (const Error& e) {
      throw Error(std::string(e.what()).find(path) == std::string::npos ? path + ": " + e.what() : e.what());
    }
  }
  apply_flags(base, f);
  try {
    validate(base);
  } catch (const Error& e) {
    throw Error(std::string("invalid configuration: ") + e.what());
  }
  return base;
}

int parse_int(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || std::floor(d) != d || std::abs(d) > 2e9) throw Error("bad value '" + v + "' for --" + flag);
  return int(d);
}

double parse_double(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || !std::isfinite(d)) throw Error("bad value '" + v + "' for --" + flag);
  return d;
}

std::string config_flags_help() {
  std::string out = "model and training flags (config.json keys use '_' for '-'):\n";
  auto j = to_json(RunConfig{});
  for (auto it = j.begin(); it != j.end(); ++it) out += "  --" + dashed(it.key()) + " " + it.value().dump() + "\n";
  return out;
}

}  // namespace udlab::cli
