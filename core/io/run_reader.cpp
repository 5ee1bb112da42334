#include "core/io/run_reader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace udlab {

namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw Error("cannot read " + p.string());
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

nlohmann::json parseObject(const fs::path& p) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(slurp(p));
  } catch (const nlohmann::json::exception&) {
    throw Error(p.filename().string() + " in " + p.parent_path().string() + " is not valid JSON");
  }
  if (!j.is_object()) throw Error(p.filename().string() + " in " + p.parent_path().string() + " is not a JSON object");
  return j;
}
}  // namespace

LoadedRunDir readRunDirectory(const std::string& dirStr) {
  LoadedRunDir out;
  out.dir = dirStr;
  fs::path dir(dirStr);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error("'" + dirStr + "' is not a directory");
  const fs::path cfg = dir / "config.json", met = dir / "metrics.jsonl", st = dir / "status.json",
                 info = dir / "run_info.json";
  if (!fs::exists(cfg) && !fs::exists(met))
    throw Error("'" + dirStr + "' is not a udlab run directory (it has neither config.json nor metrics.jsonl)");
  if (fs::exists(cfg)) {
    out.data.config = parseObject(cfg);
    if (!out.data.config.contains("model"))
      throw Error("config.json in '" + dirStr + "' is not a udlab config (it has no 'model' key)");
  }
  if (fs::exists(info)) out.data.run_info = parseObject(info);
  if (fs::exists(st)) {
    // A status.json cut mid-write (an in-place rewrite, a copy, a full disk) loses only the state:
    // the run opens with what metrics.jsonl holds, and a warning says why its state is unknown.
    try {
      const StatusRecord s = status_record_from_json(parseObject(st));
      if (!s.has_state) throw Error("status.json in '" + dirStr + "' has no 'state' string");
      out.data.applyStatus(s);
    } catch (const Error& e) {
      out.warning = std::string(e.what()) + ": state unknown";
    }
  }
  if (fs::exists(met)) {
    std::string text = slurp(met);
    const bool live = out.data.live();
    size_t pos = 0;
    int lineNo = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      const bool lastLine = nl == std::string::npos || nl + 1 >= text.size();
      std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? text.size() : nl + 1;
      ++lineNo;
      // A live run's last line without its newline may still be growing: the follower takes it later.
      if (nl == std::string::npos && live) break;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        out.data.apply(parse_metrics_line(line));
        if (nl != std::string::npos) out.metricsBytes = pos;
      } catch (const Error&) {
        // A run killed mid-write leaves a partial final line; anything earlier is real corruption.
        if (lastLine) {
          out.warning += (out.warning.empty() ? "" : "; ") + std::string("ignored a truncated last line (") +
                         std::to_string(lineNo) + ") of metrics.jsonl";
          break;
        }
        throw Error("metrics.jsonl in '" + dirStr + "', line " + std::to_string(lineNo) + ": not a metrics record");
      }
    }
  }
  return out;
}

}  // namespace udlab
