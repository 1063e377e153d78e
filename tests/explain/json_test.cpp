#include "explain/json.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

using namespace camlens;
using namespace camlens::explain;
using json = nlohmann::ordered_json;

namespace {

const std::vector<std::string> kLabels{"cat", "dog", "fox"};

Prediction three_classes() {
  Prediction p;
  p.logits = {0.1f, 2.5f, -1.0f};
  p.probabilities = {0.2f, 0.7f, 0.1f};
  p.ranking = {1, 0, 2};
  return p;
}

}  // namespace

TEST_CASE("prediction_json: the top classes best first with labels, probabilities and logits") {
  const json j = prediction_json(three_classes(), kLabels, 2);
  REQUIRE(j["classes"].size() == 2);
  CHECK(j["classes"][0] == json{{"class", 1}, {"label", "dog"}, {"probability", 0.7}, {"logit", 2.5}});
  CHECK(j["classes"][1]["label"] == "cat");
  // Floats as their shortest decimal: 0.1f is written 0.1, not 0.10000000149011612.
  CHECK(j["classes"][1].dump() == R"({"class":0,"label":"cat","probability":0.2,"logit":0.1})");
  CHECK(prediction_json(three_classes(), kLabels, 10)["classes"].size() == 3);
  CHECK_THROWS_WITH_AS(prediction_json(three_classes(), std::vector<std::string>{"cat"}, 1),
                       doctest::Contains("one label per class: 3 classes, 1 labels"), Error);
}

namespace {

ViewMap fox_map() {
  ViewMap map;
  Explanation& e = map.explanation;
  e.method = "grad-cam";
  e.prediction = three_classes();
  e.target_class = 2;
  e.layer = "conv";
  e.raw = Map(2, 3);
  e.raw.values = {0.f, 1.f, 2.f, 3.f, 4.f, -0.4f};
  e.upsampled = {Map(4, 6)};
  e.channel_weights = {0.25f, -1.5f};
  e.timings = {.forward_ms = 1.5, .backward_ms = 2.0, .map_ms = 0.25, .postprocess_ms = 0.125};
  map.label = "fox";
  map.probability = 0.1f;
  return map;
}

}  // namespace

TEST_CASE("view_map_json: method, class, label, layer, the raw map, channel weights and timings") {
  ViewMap map = fox_map();
  json j = view_map_json(map);
  CHECK(j["method"] == "grad-cam");
  CHECK(j["class"] == 2);
  CHECK(j["label"] == "fox");
  CHECK(j["probability"] == 0.1);
  CHECK(j["layer"] == "conv");
  CHECK(j["raw"] == json{{"width", 3}, {"height", 2}, {"values", {0.0, 1.0, 2.0, 3.0, 4.0, -0.4}}});
  CHECK(j["channel_weights"] == json{0.25, -1.5});
  CHECK(j["timings_ms"] == json{{"forward", 1.5}, {"backward", 2.0}, {"map", 0.25}, {"postprocess", 0.125}});
  CHECK(j["reused"] == false);
  CHECK_FALSE(j.contains("heat"));
  CHECK_FALSE(j.contains("note"));
  CHECK_FALSE(j.contains("pictures"));
  CHECK_FALSE(j.contains("prediction"));
  map.note = "shown at its own layer";
  j = view_map_json(map, {.heat = true});
  CHECK(j["heat"]["width"] == 6);
  CHECK(j["heat"]["values"].size() == 24);
  CHECK(j["note"] == "shown at its own layer");
}

TEST_CASE("view_map_json: binary arrays hold the floats' bytes, pictures their RGBA bytes") {
  ViewMap map = fox_map();
  map.pictures = RgbaPictures{Image(2, 1, 4), Image(2, 1, 4)};
  map.pictures->overlay.data()[5] = 77;
  const json j = view_map_json(map, {.arrays = ArrayEncoding::binary});
  const auto& values = j["raw"]["values"].get_binary();
  CHECK(values.subtype() == kFloat32Subtype);
  REQUIRE(values.size() == 6 * sizeof(float));
  float fifth = 0.0f;
  std::memcpy(&fifth, values.data() + 4 * sizeof(float), sizeof(float));
  CHECK(fifth == 4.0f);
  const auto& overlay = j["pictures"]["overlay"]["rgba"].get_binary();
  CHECK(overlay.subtype() == kRgbaSubtype);
  CHECK(overlay.size() == 8);
  CHECK(overlay[5] == 77);
  CHECK(j["pictures"]["heatmap"]["width"] == 2);
}

TEST_CASE("view_json: a whole view has every field; a part only what it carries") {
  ViewResult view;
  view.image_width = 40;
  view.image_height = 30;
  view.crop = {5, 0, 30, 30};
  view.prediction = three_classes();
  view.explanations.push_back(fox_map());
  view.failures.push_back({"cam", "no global average pool"});
  view.forward_passes = 1;
  view.backward_passes = 2;
  const json whole = view_json(view, kLabels);
  CHECK(whole["version"] == kResultSchemaVersion);
  CHECK(whole["kind"] == "view");
  CHECK(whole["image"] == json{{"width", 40}, {"height", 30}});
  CHECK(whole["crop"] == json{{"x", 5}, {"y", 0}, {"width", 30}, {"height", 30}});
  CHECK(whole["prediction"]["classes"].size() == 3);
  CHECK(whole["explanations"].size() == 1);
  CHECK(whole["top_k"].empty());
  CHECK(whole["failures"][0] == json{{"method", "cam"}, {"message", "no global average pool"}});
  CHECK(whole["passes"] == json{{"forward", 1}, {"backward", 2}});
  CHECK_FALSE(whole.contains("part"));

  view.prediction.reset();
  view.failures.clear();
  const json part = view_json(view, kLabels, {}, true);
  CHECK(part["part"] == true);
  CHECK(part.contains("explanations"));
  CHECK_FALSE(part.contains("prediction"));
  CHECK_FALSE(part.contains("top_k"));
  CHECK_FALSE(part.contains("failures"));
  CHECK_FALSE(part.contains("passes"));
}
