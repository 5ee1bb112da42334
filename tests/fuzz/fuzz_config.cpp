// config.json: every key range-checked where it is parsed; an accepted config validates.
#include <nlohmann/json.hpp>

#include "core/train/run_config.h"
#include "core/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(udlab::fuzz::bytes(data, size));
  } catch (const nlohmann::json::exception&) {
    return 0;  // read_json_file turns these into a message naming the file
  }
  try {
    udlab::RunConfig c = udlab::run_config_from_json(j);
    udlab::run_config_from_json(udlab::to_json(c));  // what was accepted round-trips
  } catch (const udlab::Error&) {
  }
  return 0;
}
