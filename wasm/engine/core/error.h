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

// A forward pass produced a NaN or an infinity where a result was read (the logits): the model's
// weights or its input scaling are out of range. Callers may report it apart (the CLI's exit code 3).
class NonFiniteError : public Error {
 public:
  using Error::Error;
};

// Builds a message from any streamable parts and throws it as an Error.
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw Error(message.str());
}

}  // namespace camlens
