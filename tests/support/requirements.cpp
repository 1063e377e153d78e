#include "support/requirements.h"

#include <filesystem>
#include <map>
#include <utility>

namespace camlens::test {

namespace {

// Reasons by "file:line": doctest copies a test case after decorating it, so its address is no key.
std::map<std::string, std::string>& missing() {
  static std::map<std::string, std::string> reasons;
  return reasons;
}

std::string location(const char* file, unsigned line) { return std::string(file) + ":" + std::to_string(line); }

}  // namespace

requires_file::requires_file(std::string path, std::string how_to_get_it)
    : path_(std::move(path)), how_to_get_it_(std::move(how_to_get_it)) {}

void requires_file::fill(doctest::detail::TestCase& test) const {
  if (std::filesystem::exists(path_)) return;
  test.m_skip = true;
  missing()[location(test.m_file.c_str(), test.m_line)] = "'" + path_ + "' is missing (" + how_to_get_it_ + ")";
}

std::string missing_requirement(const char* file, unsigned line) {
  const auto found = missing().find(location(file, line));
  return found == missing().end() ? std::string() : found->second;
}

}  // namespace camlens::test
