#include "core/groups/lanes_mm.h"

#include <cstdlib>

namespace udlab::lanes {

bool& enabled() {
  static bool on = [] {
    const char* e = std::getenv("UDLAB_GROUP_LANES");
    return !(e && std::strcmp(e, "0") == 0);
  }();
  return on;
}

}  // namespace udlab::lanes
