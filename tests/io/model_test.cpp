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

// A fresh folder in the temporary directory, removed with its files at the end of the test.
struct TempFolder {
  std::filesystem::path path;
  explicit TempFolder(const std::string& name) : path(std::filesystem::temp_directory_path() / name) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempFolder() { std::filesystem::remove_all(path); }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
};

}  // namespace

TEST_CASE("model: deeply nested JSON in model.json or metadata.json is refused as it is parsed") {
  CHECK_THROWS_WITH_AS(load_model("{}", {}, deeply_nested_scaling(100000)),
                       doctest::Contains("metadata.json nests arrays and objects deeper than 128 levels"), Error);
  const std::string model = "{\"userDefinedMetadata\": " + deeply_nested_scaling(100000) + "}";
  CHECK_THROWS_WITH_AS(load_model(model, {}), doctest::Contains("model.json nests arrays and objects deeper"), Error);
}

TEST_CASE("model: a model.json or metadata.json far bigger than any real one is refused unread") {
  const TempFolder folder("camlens-model-size-test");
  const std::filesystem::path model = folder.write("model.json", "{\"weightsManifest\": []}");
  std::filesystem::resize_file(model, (64ull << 20) + 1);  // a sparse file: no 64 MB written
  CHECK_THROWS_WITH_AS(load_model_file(model), doctest::Contains("is over 64 MB: too big for a TensorFlow.js model.json"), Error);
  folder.write("model.json", "{\"weightsManifest\": []}");
  std::filesystem::resize_file(folder.write("metadata.json", "{}"), (1ull << 20) + 1);
  CHECK_THROWS_WITH_AS(load_model_file(model), doctest::Contains("too big for a metadata.json"), Error);
}

TEST_CASE("model: sidecar files replace the metadata beside the model and its labels") {
  const TempFolder folder("camlens-model-sidecars-test");
  const std::filesystem::path dir = folder.path;
  const auto write = [&](const std::string& name, const std::string& text) { return folder.write(name, text); };
  const std::filesystem::path emotion = "models/emotion/model.json";
  const std::filesystem::path metadata = write("other.json", R"({"labels": ["a", "b", "c", "d", "e", "f", "g"], "crop": "full"})");
  const std::filesystem::path labels = write("labels.txt", "L0\nL1\nL2\nL3\nL4\nL5\nL6\n");

  const Model plain = load_model_file(emotion);
  REQUIRE(plain.metadata.labels.at(3) == "happy");
  CHECK(plain.metadata.crop.mode == CropMode::face);
  const Model other = load_model_file(emotion, {metadata, {}});
  CHECK(other.metadata.labels.at(3) == "d");
  CHECK(other.metadata.crop.mode == CropMode::full);
  const Model both = load_model_file(emotion, {metadata, labels});
  CHECK(both.metadata.labels == std::vector<std::string>{"L0", "L1", "L2", "L3", "L4", "L5", "L6"});
  CHECK(both.metadata.crop.mode == CropMode::full);
  CHECK(load_model_file(emotion, {{}, labels}).metadata.crop.mode == CropMode::face);

  CHECK_THROWS_WITH_AS(load_model_file(emotion, {{}, write("short.txt", "x\ny")}),
                       doctest::Contains("has 2 label(s), one per line; the model has 7 logits"), Error);
  CHECK_THROWS_WITH_AS(load_model_file(emotion, {{}, write("gap.txt", "a\nb\n\nd\ne\nf\ng")}),
                       doctest::Contains("has an empty line 3; give one label per line"), Error);
  CHECK_THROWS_WITH_AS(load_model_file(emotion, {dir / "none.json", {}}),
                       doctest::Contains("none.json' does not exist or is not a file"), Error);
}

TEST_CASE("model: \"output\": \"score\" turns a model's one score into two classes; other outputs are refused") {
  const TempFolder folder("camlens-model-score-test");
  const auto write = [&](const std::string& name, const std::string& text) { return folder.write(name, text); };
  const std::filesystem::path ssrnet = "models/gender-ssrnet-imdb/model.json";
  const Model score = load_model_file(ssrnet);
  CHECK(score.metadata.output == OutputKind::score);
  CHECK(score.graph.layer(score.logits).kind() == std::string("BinaryScore"));
  CHECK(score.metadata.labels == std::vector<std::string>{"female", "male"});
  // Without "output" the same graph is a one-logit classifier (its softmax always 100%).
  const Model plain = load_model_file(ssrnet, {write("plain.json", R"({"crop": "face"})"), {}});
  CHECK(plain.metadata.output == OutputKind::classes);
  CHECK(plain.metadata.labels == std::vector<std::string>{"class 0"});
  // Labels from a file name the two classes of a score model.
  const Model named = load_model_file(ssrnet, {write("score.json", R"({"output": "score"})"), write("two.txt", "woman\nman\n")});
  CHECK(named.metadata.labels == std::vector<std::string>{"woman", "man"});

  // Emotion ends in a Softmax over 7 classes: no score.
  CHECK_THROWS_WITH_AS(load_model_file("models/emotion/model.json", {write("emotion.json", R"({"output": "score"})"), {}}),
                       doctest::Contains("but this model ends in a Softmax"), Error);
}
