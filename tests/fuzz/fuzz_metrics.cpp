// metrics.jsonl as the GUI and `udlab-cli plot` read it: each line through RunData, then the chart
// helpers that turn the series into axis ranges and point sets (which must stay finite).
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/util/error.h"
#include "fuzz_util.h"
#include "ui/charts/chart_math.h"
#include "ui/engine/run_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  udlab::ui::RunData run;
  std::istringstream in(udlab::fuzz::bytes(data, size));
  std::string line;
  while (std::getline(in, line)) {
    try {
      run.addRecord(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
    } catch (const udlab::Error&) {
    }
  }
  for (auto& [k, s] : run.scalars) {
    for (bool log : {false, true}) {
      auto r = udlab::ui::niceRange({&s.y}, log);
      if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || !(r.lo < r.hi)) std::abort();
    }
    udlab::ui::decimateMinMax(udlab::ui::sanitize(s.x, s.y, false), 0, 1000, 50);
  }
  for (auto& snap : run.snapshots) {
    for (auto& [k, v] : snap.profiles) {
      auto r = udlab::ui::niceRange({&v}, true);
      if (!std::isfinite(r.lo) || !std::isfinite(r.hi)) std::abort();
    }
    for (auto& [k, z] : snap.eigenvalues)
      if (udlab::ui::thinPoints(z).size() > 4096) std::abort();
  }
  return 0;
}
