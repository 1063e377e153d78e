#include "io/json_fields.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "core/error.h"

using namespace camlens;
namespace jf = camlens::json_fields;
using nlohmann::json;

namespace {

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// The specification shortest_decimal is checked against: every number of digits from 1 up.
double fewest_digits_reading_back(float value) {
  for (int digits = 1; digits < 9; ++digits) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*g", digits, static_cast<double>(value));
    if (std::strtof(text, nullptr) == value) return std::strtod(text, nullptr);
  }
  return value;
}

float float_of_bits(std::uint32_t bits) {
  float value = 0.0f;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

// The same double, or both NaN.
bool same_number(double a, double b) { return a == b ? std::signbit(a) == std::signbit(b) : std::isnan(a) && std::isnan(b); }

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

TEST_CASE("shortest_decimal: the fewest digits that read back, as trying every count from 1 finds") {
  CHECK(jf::shortest_decimal(0.2989f) == 0.2989);
  CHECK(jf::shortest_decimal(1.0f) == 1.0);
  std::vector<float> values{0.0f, -0.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max()};
  // Powers of two and their neighbours, where the values reading back lie unevenly around a float.
  for (std::uint32_t exponent = 0; exponent < 255; ++exponent) {
    for (std::int32_t step = -3; step <= 3; ++step) values.push_back(float_of_bits((exponent << 23) + static_cast<std::uint32_t>(step)));
  }
  std::uint32_t state = 12345;
  for (int i = 0; i < 100000; ++i) {
    state = state * 1664525u + 1013904223u;
    values.push_back(float_of_bits(state));
    values.push_back(static_cast<float>(state >> 8) / static_cast<float>(1u << 24));  // maps' values in [0, 1)
    values.push_back(static_cast<float>(state % 1000) / 1000.0f);                      // few digits
  }
  int differ = 0;
  for (const float value : values) {
    if (!same_number(jf::shortest_decimal(value), fewest_digits_reading_back(value)) && differ++ < 5) {
      FAIL_CHECK("shortest_decimal(", value, ") = ", jf::shortest_decimal(value), ", expected ", fewest_digits_reading_back(value));
    }
  }
  CHECK(differ == 0);
}
