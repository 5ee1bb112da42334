// status.json and run_info.json as the readers take them: a wrongly typed or out-of-range field keeps
// the previous value, never throws a JSON type error or converts a huge number to int.
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "fuzz_util.h"
#include "ui/engine/run_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(udlab::fuzz::bytes(data, size));
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  udlab::ui::RunData run;
  if (j.is_object()) {
    run.applyStatus(j);
    run.run_info = j;
    run.config = j;
    (void)run.lastStep();
    (void)run.live();
  }
  return 0;
}
