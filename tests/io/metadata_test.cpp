#include "io/metadata.h"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_average_pool.h"

using namespace camlens;
using nlohmann::json;

namespace {

// image [8, 6, channels] -> conv 1x1 (4 channels) -> global average -> dense (3 logits)
Graph classifier(int channels) {
  Graph graph;
  graph.add_input("image", Shape{8, 6, channels});
  graph.add(std::make_unique<Conv2D>("conv", Tensor(Shape{1, 1, channels, 4}), Tensor(), ConvParams{}), {"image"});
  graph.add(std::make_unique<GlobalAveragePool>("pool"), {"conv"});
  graph.add(std::make_unique<Dense>("logits", Tensor(Shape{4, 3}), Tensor()), {"pool"});
  return graph;
}

}  // namespace

TEST_CASE("metadata: without any, defaults come from the graph") {
  const ModelMetadata m = resolve_metadata(nullptr, nullptr, classifier(3), "logits");
  CHECK(m.labels == std::vector<std::string>{"class 0", "class 1", "class 2"});
  CHECK(m.input_height == 8);
  CHECK(m.input_width == 6);
  CHECK(m.color == InputColor::rgb);
  CHECK(m.scaling == InputScaling::scale_offset);
  CHECK(m.scale == 1.0f);
  CHECK(m.offset == 0.0f);
  CHECK(m.crop.mode == CropMode::full);
  CHECK(m.explain_layer == "conv");  // the last spatial node
  CHECK(resolve_metadata(nullptr, nullptr, classifier(1), "logits").color == InputColor::gray);
  CHECK_THROWS_WITH_AS(resolve_metadata(nullptr, nullptr, classifier(2), "logits"),
                       doctest::Contains("the input 'image' [8, 6, 2] has neither 1 (gray) nor 3 (RGB) channels"), Error);
}

TEST_CASE("metadata: model.json's userDefinedMetadata wins field by field over metadata.json") {
  const json user_defined = {{"labels", {"cat", "dog", "fox"}}, {"signature", {{"inputs", json::object()}}}};
  const json file = {{"labels", {"a", "b", "c"}},
                     {"input", {{"height", 8}, {"width", 6}, {"color", "gray"}, {"gray_weights", {0.25, 0.5, 0.25}}}},
                     {"scaling", {{"mean", {0.5}}, {"std", {0.25}}}},
                     {"crop", {{"x", 0.1}, {"y", 0.2}, {"width", 0.5}, {"height", 0.75}}},
                     {"explain_layer", "image"}};
  const ModelMetadata m = resolve_metadata(&user_defined, &file, classifier(1), "logits");
  CHECK(m.labels == std::vector<std::string>{"cat", "dog", "fox"});
  CHECK(m.color == InputColor::gray);
  CHECK(m.gray_weights == std::array<float, 3>{0.25f, 0.5f, 0.25f});
  CHECK(m.scaling == InputScaling::mean_std);
  CHECK(m.mean == std::array<float, 3>{0.5f, 0.5f, 0.5f});
  CHECK(m.std == std::array<float, 3>{0.25f, 0.25f, 0.25f});
  CHECK(m.crop.mode == CropMode::box);
  CHECK(m.crop.y == 0.2f);
  CHECK(m.crop.height == 0.75f);
  CHECK(m.explain_layer == "image");

  // Written back, it reads the same (and numbers stay short: 0.2, not 0.20000000298023224).
  const json written = metadata_to_json(m);
  CHECK(written["crop"]["y"].dump() == "0.2");
  const ModelMetadata again = resolve_metadata(&written, nullptr, classifier(1), "logits");
  CHECK(metadata_to_json(again) == written);
}

TEST_CASE("metadata: a centred square of a fraction of the shorter side (torchvision's resize then crop)") {
  const json file = {{"crop", {{"center", 0.875}}}};
  const ModelMetadata m = resolve_metadata(nullptr, &file, classifier(3), "logits");
  CHECK(m.crop.mode == CropMode::center);
  CHECK(m.crop.center_fraction == 0.875f);
  const json written = metadata_to_json(m);
  CHECK(written["crop"] == json({{"center", 0.875}}));
  CHECK(metadata_to_json(resolve_metadata(&written, nullptr, classifier(3), "logits")) == written);
  const json largest = {{"crop", "center"}};
  CHECK(metadata_to_json(resolve_metadata(nullptr, &largest, classifier(3), "logits"))["crop"] == "center");
  for (const json& bad : {json({{"center", 0}}), json({{"center", 1.5}}), json({{"center", 0.5}, {"x", 0}})}) {
    CAPTURE(bad.dump());
    const json bad_file = {{"crop", bad}};
    CHECK_THROWS_WITH_AS(resolve_metadata(nullptr, &bad_file, classifier(3), "logits"),
                         doctest::Contains("metadata.json.crop must be {\"center\": f} with 0 < f <= 1"), Error);
  }
}

TEST_CASE("metadata: \"crop\": \"face\" asks for a detected face and is written back as such") {
  const json file = {{"crop", "face"}};
  const ModelMetadata m = resolve_metadata(nullptr, &file, classifier(1), "logits");
  CHECK(m.crop.mode == CropMode::face);
  CHECK(metadata_to_json(m)["crop"] == "face");
}

TEST_CASE("metadata: {\"crop\": {\"face\": f}} frames a detected face f times its box, and is written back") {
  const json wide = {{"crop", {{"face", 1.8}}}};
  const ModelMetadata m = resolve_metadata(nullptr, &wide, classifier(1), "logits");
  CHECK(m.crop.mode == CropMode::face);
  CHECK(m.crop.face_scale == 1.8f);
  CHECK(metadata_to_json(m)["crop"] == json({{"face", 1.8}}));
  CHECK(resolve_metadata(nullptr, nullptr, classifier(1), "logits").crop.face_scale == kFaceCropScale);
  for (const json& bad : {json({{"face", 0.5}}), json({{"face", 9}}), json({{"face", 1.5}, {"center", 1}}), json({{"face", "wide"}})}) {
    const json file = {{"crop", bad}};
    CHECK_THROWS_AS(resolve_metadata(nullptr, &file, classifier(1), "logits"), Error);
  }
  const json small = {{"crop", {{"face", 0.5}}}};
  CHECK_THROWS_WITH_AS(resolve_metadata(nullptr, &small, classifier(1), "logits"),
                       doctest::Contains("metadata.json.crop must be {\"face\": f} with 1 <= f <= 4"), Error);
}

TEST_CASE("metadata: \"color\": \"bgr\" feeds three channels blue first, and is written back") {
  const json file = {{"input", {{"height", 8}, {"width", 6}, {"color", "bgr"}}}};
  const ModelMetadata m = resolve_metadata(nullptr, &file, classifier(3), "logits");
  CHECK(m.color == InputColor::bgr);
  CHECK(metadata_to_json(m)["input"]["color"] == "bgr");
  CHECK_THROWS_WITH_AS(resolve_metadata(nullptr, &file, classifier(1), "logits"),
                       doctest::Contains("is \"bgr\", but the input 'image' [8, 6, 1] has 1 channel(s); gray needs 1, rgb and bgr need 3"),
                       Error);
  const json hsv = {{"input", {{"height", 8}, {"width", 6}, {"color", "hsv"}}}};
  CHECK_THROWS_WITH_AS(resolve_metadata(nullptr, &hsv, classifier(3), "logits"),
                       doctest::Contains(".color must be \"gray\", \"rgb\" or \"bgr\", got \"hsv\""), Error);
}

TEST_CASE("metadata: \"output\" is \"classes\" by default or \"score\"; anything else is an Error") {
  CHECK(read_output_kind(nullptr, nullptr) == OutputKind::classes);
  const json score = {{"output", "score"}}, classes = {{"output", "classes"}}, odd = {{"output", "regression"}};
  CHECK(read_output_kind(&score, nullptr) == OutputKind::score);
  CHECK(read_output_kind(&classes, &score) == OutputKind::classes);  // userDefinedMetadata wins
  CHECK(read_output_kind(nullptr, &score) == OutputKind::score);
  CHECK_THROWS_WITH_AS(read_output_kind(nullptr, &odd),
                       doctest::Contains("metadata.json.output must be \"classes\" (one logit per label) or \"score\""), Error);
  const ModelMetadata m = resolve_metadata(nullptr, &classes, classifier(3), "logits");
  CHECK(m.output == OutputKind::classes);
  CHECK(metadata_to_json(m)["output"] == "classes");
}

TEST_CASE("metadata: values that contradict the graph are Errors saying which") {
  const Graph graph = classifier(3);
  auto check_error = [&](const json& file, const char* message) {
    CHECK_THROWS_WITH_AS(resolve_metadata(nullptr, &file, graph, "logits"), doctest::Contains(message), Error);
  };
  check_error({{"labels", {"a", "b"}}},
              "metadata.json.labels has 2 labels, but the logits node 'logits' gives 3 values; give one label per class");
  check_error({{"input", {{"height", 64}, {"width", 64}}}},
              "metadata.json.input says 64x64 (height x width), but the input 'image' is [8, 6, 3]");
  check_error({{"input", {{"height", 8}, {"width", 6}, {"color", "gray"}}}},
              "metadata.json.input.color is \"gray\", but the input 'image' [8, 6, 3] has 3 channel(s)");
  check_error({{"explain_layer", "pool"}}, "names 'pool', which is [4] per item; explanations need a spatial [H, W, C] layer");
  check_error({{"explain_layer", "nowhere"}}, "names 'nowhere', which is not a node of the model");
  check_error({{"scaling", {{"scale", 2}, {"std", 1}}}}, "needs either \"scale\"/\"offset\" or \"mean\"/\"std\"");
  check_error({{"scaling", {{"mean", 0}, {"std", {1, 0, 1}}}}}, "metadata.json.scaling.std must not be 0");
  check_error({{"crop", {{"x", 0.5}, {"y", 0}, {"width", 0.6}, {"height", 1}}}}, "must be a non-empty box inside the image");
  check_error({{"crop", "middle"}}, "metadata.json.crop must be \"full\", \"center\", \"face\", {\"center\": f}, {\"face\": f} or a box");
  check_error({{"labels", "angry"}}, "metadata.json.labels must be an array, got string");
  check_error({{"scaling", {{"mean", 0}, {"std", 1e-38}}}},
              "metadata.json.scaling.std holds 1e-38; it divides the pixels, so it must be at least 1e-06 in magnitude");
  check_error({{"scaling", {{"scale", 1}, {"offset", 1e38}}}},
              "metadata.json.scaling.offset is 1e+38; preprocessing values must lie within +-1e+06");
  check_error({{"scaling", {{"mean", {0, -3e6, 0}}}}}, "metadata.json.scaling.mean is -3000000.0; preprocessing values");
  check_error({{"input", {{"height", 8}, {"width", 6}, {"gray_weights", {1, 1, 4e37}}}}}, "input.gray_weights is 4e+37");
  json long_mean = json::array();
  for (int i = 0; i < 10000; ++i) long_mean.push_back(0.5);
  const json long_scaling = {{"scaling", {{"mean", long_mean}}}};
  try {
    resolve_metadata(nullptr, &long_scaling, graph, "logits");
    FAIL("a mean of 10000 values was accepted");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find("must be a number or a list of 1 or 3 numbers, got [0.5, 0.5,") != std::string::npos);
    CHECK(message.size() < 200);  // an excerpt of the value, not all of it
  }
  CHECK_THROWS_WITH_AS(resolve_metadata(nullptr, nullptr, graph, "conv"),
                       doctest::Contains("the logits node 'conv' is [8, 6, 4] per item; camlens needs one logit per class"),
                       Error);
}
