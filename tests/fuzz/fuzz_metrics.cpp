// metrics.jsonl as every reader takes it: each line through the record parser (core/io/metrics_record),
// whose writer must give back a line that parses to the same record, then into RunData and the chart
// helpers that turn the series into axis ranges and point sets (which must stay finite).
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/io/metrics_record.h"
#include "core/util/error.h"
#include "fuzz_util.h"
#include "ui/charts/chart_math.h"
#include "core/io/run_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  udlab::RunData run;
  std::istringstream in(udlab::fuzz::bytes(data, size));
  std::string line;
  while (std::getline(in, line)) {
    try {
      udlab::MetricsRecord rec = udlab::parse_metrics_line(line);
      const std::string written = udlab::to_json(rec).dump();
      if (udlab::to_json(udlab::parse_metrics_line(written)).dump() != written) std::abort();
      run.apply(std::move(rec));
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
