#include "io/json_fields.h"

#include <doctest/doctest.h>

#include <string>

#include "core/error.h"

using namespace camlens;
namespace jf = camlens::json_fields;
using nlohmann::json;

namespace {

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("json parse: nesting is bounded before anything recurses into it") {
  CHECK(jf::parse(nested_arrays(jf::kMaxJsonDepth), "model.json").is_array());
  CHECK_THROWS_WITH_AS(jf::parse(nested_arrays(jf::kMaxJsonDepth + 1), "model.json"),
                       doctest::Contains("model.json nests arrays and objects deeper than 128 levels"), Error);
  const std::string deep_object = std::string(100000, '[') + "{\"a\": 1}" + std::string(100000, ']');
  CHECK_THROWS_WITH_AS(jf::parse(deep_object, "metadata.json"), doctest::Contains("metadata.json nests"), Error);
}

TEST_CASE("json excerpt: a bad value is quoted in at most 60 characters, escaped and cut at a character") {
  CHECK(jf::excerpt(json::parse("[1, 2, {\"a\": \"b\"}]")) == "[1, 2, {\"a\": \"b\"}]");
  json long_list = json::array();
  for (int i = 0; i < 100000; ++i) long_list.push_back(i);
  const std::string quoted = jf::excerpt(long_list);
  CHECK(quoted.size() == 60);
  CHECK(quoted.rfind("[0, 1, 2, 3, ", 0) == 0);
  CHECK(quoted.substr(57) == "...");
  json deep = json::array();  // built, not parsed, so no depth bound applies
  json* innermost = &deep;
  for (int i = 0; i < 1000; ++i) innermost = &innermost->emplace_back(json::array());
  CHECK(jf::excerpt(deep) == std::string(57, '[') + "...");
  CHECK(jf::excerpt(json(std::string("\x01\xff"))) == "\"\\u0001\xef\xbf\xbd\"");
  const json accented(std::string(30, 'a') + "\xc3\xa9\xc3\xa9" + std::string(40, 'b'));
  CHECK(jf::excerpt(accented, 35) == "\"" + std::string(30, 'a') + "...");
  CHECK_THROWS_WITH_AS(jf::as_int(json(0.5), "x"), doctest::Contains("x must be an integer, got 0.5"), Error);
}
