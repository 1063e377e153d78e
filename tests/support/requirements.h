#pragma once
// Test cases that need something outside the repository (a Debian dataset, say) skip themselves
// when it is missing, and that skip is reported as one: tests/main.cpp lists each with its reason
// and exits with kSkippedExitCode, which ctest shows as a skipped entry, never a pass.
//
//   TEST_CASE("reads the dataset" * test::requires_file(path, "apt-get install dataset-x")) { ... }
#include <doctest/doctest.h>

#include <string>

namespace camlens::test {

// The exit code of a run whose selected test cases all passed but some were skipped for a missing
// requirement (CMakeLists.txt gives it to ctest as SKIP_RETURN_CODE).
constexpr int kSkippedExitCode = 77;

// A doctest decorator: skips the test case when `path` does not exist, with `how_to_get_it` as the reason.
class requires_file {
 public:
  requires_file(std::string path, std::string how_to_get_it);
  void fill(doctest::detail::TestCase& test) const;

 private:
  std::string path_, how_to_get_it_;
};

// Why the test case registered at file:line was skipped for a missing requirement; empty if it was not.
std::string missing_requirement(const char* file, unsigned line);

}  // namespace camlens::test
