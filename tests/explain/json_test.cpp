#include "explain/json.h"

#include <doctest/doctest.h>

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

TEST_CASE("prediction_json: the top classes best first with labels, and every logit and probability") {
  const json j = prediction_json(three_classes(), kLabels, 2);
  REQUIRE(j["top"].size() == 2);
  CHECK(j["top"][0] == json{{"class", 1}, {"label", "dog"}, {"probability", 0.7}, {"logit", 2.5}});
  CHECK(j["top"][1]["label"] == "cat");
  CHECK(j["logits"] == json{0.1, 2.5, -1.0});
  CHECK(j["probabilities"] == json{0.2, 0.7, 0.1});
  // Floats as their shortest decimal: 0.1f is written 0.1, not 0.10000000149011612.
  CHECK(j["logits"].dump() == "[0.1,2.5,-1.0]");
  CHECK(prediction_json(three_classes(), kLabels, 10)["top"].size() == 3);
  CHECK_THROWS_WITH_AS(prediction_json(three_classes(), std::vector<std::string>{"cat"}, 1),
                       doctest::Contains("one label per class: 3 classes, 1 labels"), Error);
}

TEST_CASE("explanation_json: method, class, label, layer, the raw map, channel weights and timings") {
  Explanation e;
  e.method = "grad-cam";
  e.prediction = three_classes();
  e.target_class = 2;
  e.layer = "conv";
  e.raw = Map(2, 3);
  e.raw.values = {0.f, 1.f, 2.f, 3.f, 4.f, -0.4f};
  e.channel_weights = {0.25f, -1.5f};
  e.timings = {.forward_ms = 1.5, .backward_ms = 2.0, .map_ms = 0.25, .postprocess_ms = 0.125};
  const json j = explanation_json(e, kLabels);
  CHECK(j["method"] == "grad-cam");
  CHECK(j["class"] == 2);
  CHECK(j["label"] == "fox");
  CHECK(j["layer"] == "conv");
  CHECK(j["raw"] == json{{"height", 2}, {"width", 3}, {"values", {0.0, 1.0, 2.0, 3.0, 4.0, -0.4}}});
  CHECK(j["channel_weights"] == json{0.25, -1.5});
  CHECK(j["timings_ms"] == json{{"forward", 1.5}, {"backward", 2.0}, {"map", 0.25}, {"postprocess", 0.125}});
  CHECK_FALSE(j.contains("prediction"));
  e.target_class = 3;
  CHECK_THROWS_WITH_AS(explanation_json(e, kLabels), doctest::Contains("class 3 has no label: 3 labels given"), Error);
}
