#include "io/model.h"

#include <doctest/doctest.h>

#include <string>

#include "core/error.h"

using namespace camlens;

namespace {

// {"scaling": {"mean": [[[...0.5...]]]}}: the hostile metadata whose error message once recursed.
std::string deeply_nested_scaling(int depth) {
  return "{\"scaling\": {\"mean\": " + std::string(depth, '[') + "0.5" + std::string(depth, ']') + "}}";
}

}  // namespace

TEST_CASE("model: deeply nested JSON in model.json or metadata.json is refused as it is parsed") {
  CHECK_THROWS_WITH_AS(load_model("{}", {}, deeply_nested_scaling(100000)),
                       doctest::Contains("metadata.json nests arrays and objects deeper than 128 levels"), Error);
  const std::string model = "{\"userDefinedMetadata\": " + deeply_nested_scaling(100000) + "}";
  CHECK_THROWS_WITH_AS(load_model(model, {}), doctest::Contains("model.json nests arrays and objects deeper"), Error);
}
