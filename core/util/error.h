// One exception type for every user-facing failure: the CLI prints what() as its one-line error,
// the GUI shows it in the window. Messages name the thing that is wrong (file, flag, tensor).
#pragma once
#include <stdexcept>
#include <string>

namespace udlab {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace udlab
