#include "io/model.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
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

TEST_CASE("model: a model.json or metadata.json far bigger than any real one is refused unread") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "camlens-model-size-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream model(dir / "model.json", std::ios::binary);
    model << "{\"weightsManifest\": []}";
    model.close();
    std::filesystem::resize_file(dir / "model.json", (64ull << 20) + 1);  // a sparse file: no 64 MB written
  }
  CHECK_THROWS_WITH_AS(load_model_file(dir / "model.json"), doctest::Contains("is over 64 MB: too big for a TensorFlow.js model.json"),
                       Error);
  {
    std::ofstream model(dir / "model.json", std::ios::binary | std::ios::trunc);
    model << "{\"weightsManifest\": []}";
  }
  {
    std::ofstream metadata(dir / "metadata.json", std::ios::binary);
    metadata << "{}";
  }
  std::filesystem::resize_file(dir / "metadata.json", (1ull << 20) + 1);
  CHECK_THROWS_WITH_AS(load_model_file(dir / "model.json"), doctest::Contains("too big for a metadata.json"), Error);
  std::filesystem::remove_all(dir);
}
