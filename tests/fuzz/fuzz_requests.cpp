// A requests/*.json file as the training process applies it: parsed, validated, and an edit applied to
// a config that must still validate (a bad edit is rejected, never applied half-way).
#include <nlohmann/json.hpp>

#include "core/train/hot_edit.h"
#include "core/train/run_requests.h"
#include "core/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto r = nlohmann::json::parse(udlab::fuzz::bytes(data, size));
    udlab::validate_run_request(r);
    if (r["action"].get<std::string>() == "edit") {
      udlab::RunConfig c;
      udlab::apply_hot_edit(c.train, r["changes"]);
      udlab::validate(c);
    }
  } catch (const nlohmann::json::parse_error&) {
  } catch (const nlohmann::json::out_of_range&) {
  } catch (const udlab::Error&) {
  }
  return 0;
}
