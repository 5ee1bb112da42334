// status.json and run_info.json as the readers take them: a wrongly typed or out-of-range field keeps
// the previous value, never throws a JSON type error or converts a huge number to int.
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "fuzz_util.h"
#include "core/io/run_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(udlab::fuzz::bytes(data, size));
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  udlab::RunData run;
  if (j.is_object()) {
    const udlab::StatusRecord s = udlab::status_record_from_json(j);
    if (udlab::to_json(udlab::status_record_from_json(udlab::to_json(s))) != udlab::to_json(s)) std::abort();
    run.applyStatus(s);
    run.run_info = j;
    run.config = j;
    (void)run.lastStep();
    (void)run.live();
  }
  return 0;
}
