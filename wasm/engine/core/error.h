#pragma once
// Every engine failure is a camlens::Error whose message says what was wrong and how to fix it.
#include <sstream>
#include <stdexcept>
#include <string>

namespace camlens {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Builds a message from any streamable parts and throws it as an Error.
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw Error(message.str());
}

}  // namespace camlens
