#include "train/timeline.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "explain/registry.h"
#include "io/model_input.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::test;

namespace {

// A gray photo: dim, with a bright square at (x, y).
Image gray_photo(int side, int x, int y, int square) {
  Image image(side, side, 1);
  for (int row = 0; row < side; ++row) {
    for (int col = 0; col < side; ++col) {
      const bool bright = col >= x && col < x + square && row >= y && row < y + square;
      image.pixel(col, row)[0] = bright ? 255 : 26;
    }
  }
  return image;
}

Timeline small_timeline() {
  Timeline timeline;
  RunSettings& run = timeline.run;
  run.architecture = "vgg-quick";
  run.data = "fashion-mnist";
  run.input = Shape{28, 28, 1};
  run.labels = {"T-shirt/top", "Trouser", "Pullover"};
  run.epochs = 2;
  run.batch = 64;
  run.optimizer = "adam";
  run.learning_rate = 0.002f;
  run.weight_decay = 0.01f;
  run.seed = 7;
  run.limit = 300;
  run.train_images = 300;
  run.validation_images = 100;
  run.method = "cam";
  run.layer = "conv3";
  timeline.probes = {{"probes/01-T-shirt-top.png", 0}, {"probes/02-Trouser.png", 1}};
  for (int e = 1; e <= 2; ++e) {
    TimelineEpoch epoch;
    epoch.epoch = e;
    epoch.train_loss = 1.5 / e;
    epoch.train_accuracy = 0.4 * e;
    epoch.validation_loss = 1.6 / e;
    epoch.validation_accuracy = 0.35 * e;
    epoch.seconds = 1.25;
    epoch.snapshot = e == 1 ? "epochs/01" : "epochs/02";
    for (const Probe& probe : timeline.probes) {
      ProbeFrame frame;
      frame.probe = probe;
      frame.top = {{1, "Trouser", 0.7f}, {0, "T-shirt/top", 0.2f}, {2, "Pullover", 0.1f}};
      frame.method = "cam";
      frame.layer = "conv3";
      frame.map_class = 1;
      frame.map = explain::Map(2, 3);
      for (size_t i = 0; i < frame.map.values.size(); ++i) frame.map.values[i] = 0.1f * static_cast<float>(i) - 0.2f;
      epoch.probes.push_back(std::move(frame));
    }
    timeline.epochs.push_back(std::move(epoch));
  }
  return timeline;
}

nlohmann::json as_plain_json(const Timeline& timeline) { return nlohmann::json::parse(timeline_json(timeline).dump()); }

}  // namespace

TEST_CASE("timeline: written as the schema's kind timeline and read back field for field") {
  const Timeline timeline = small_timeline();
  const nlohmann::json document = as_plain_json(timeline);
  CHECK(document["kind"] == "timeline");
  CHECK(document["version"] == 1);
  CHECK(document["run"]["val_images"] == 100);
  CHECK(document["epochs"][1]["val_accuracy"] == doctest::Approx(0.7));
  CHECK(document["epochs"][0]["probes"][1]["top"].size() == 3);
  CHECK(document["epochs"][0]["probes"][1]["map"]["raw"].size() == 6);
  CHECK(document["epochs"][0]["probes"][1]["map"]["width"] == 3);

  const Timeline back = timeline_from_json(document, "timeline.json");
  CHECK(back.run.architecture == "vgg-quick");
  CHECK(back.run.input == Shape{28, 28, 1});
  CHECK(back.run.labels == timeline.run.labels);
  CHECK(back.run.seed == 7);
  CHECK(back.probes.size() == 2);
  REQUIRE(back.epochs.size() == 2);
  CHECK(back.epochs[1].validation_loss == doctest::Approx(0.8));
  const ProbeFrame& frame = back.epochs[1].probes[1];
  CHECK(frame.probe.image == "probes/02-Trouser.png");
  CHECK(frame.probe.true_class == 1);
  CHECK(frame.top[0].label == "Trouser");
  CHECK(frame.top[2].probability == doctest::Approx(0.1f));
  CHECK(frame.map.values == timeline.epochs[1].probes[1].map.values);  // shortest decimals read back exactly
  CHECK(as_plain_json(back) == document);
}

TEST_CASE("timeline: a document that is not a timeline, or a damaged one, says what is wrong") {
  const nlohmann::json good = as_plain_json(small_timeline());
  auto refused = [](nlohmann::json document, const char* message) {
    CHECK_THROWS_WITH_AS(timeline_from_json(document, "run/timeline.json"), doctest::Contains(message), Error);
  };
  nlohmann::json other = good;
  other["kind"] = "view";
  refused(other, "not a camlens timeline");
  refused(nlohmann::json::array(), "run/timeline.json");
  nlohmann::json newer = good;
  newer["version"] = 2;
  refused(newer, "another version");
  nlohmann::json missing = good;
  missing["epochs"][0].erase("val_loss");
  refused(missing, "run/timeline.json.epochs[0] has no \"val_loss\"");
  nlohmann::json short_map = good;
  short_map["epochs"][1]["probes"][0]["map"]["raw"].erase(0);
  refused(short_map, "holds 5 values for a 3x2 map");
  nlohmann::json bad_class = good;
  bad_class["epochs"][0]["probes"][0]["top"][0]["class"] = 3;
  refused(bad_class, "class index in [0, 3)");
  nlohmann::json order = good;
  std::swap(order["epochs"][0], order["epochs"][1]);
  refused(order, "where epoch 1 belongs");
  nlohmann::json input = good;
  input["run"]["input"] = {28, 28};
  refused(input, "[height, width, channels]");
}

TEST_CASE("explain_probes: each probe's top classes and the map of the top one, as the pipeline makes them") {
  Model model = patch_model();
  std::vector<ProbeImage> probes;
  probes.push_back({{"probes/01-bright.png", 0}, gray_photo(24, 0, 0, 8)});
  probes.push_back({{"probes/02-dim.png", 1}, gray_photo(24, 0, 0, 0)});

  Model reference = patch_model();
  const std::vector<ProbeFrame> frames = explain_probes(std::move(model), probes, "cam");
  REQUIRE(frames.size() == 2);
  for (size_t p = 0; p < probes.size(); ++p) {
    const ProbeFrame& frame = frames[p];
    CHECK(frame.probe.image == probes[p].probe.image);
    CHECK(frame.method == "cam");
    CHECK(frame.layer == reference.metadata.explain_layer);
    REQUIRE(frame.top.size() == 2);  // the model has two classes
    CHECK(frame.top[0].probability >= frame.top[1].probability);
    CHECK(frame.top[0].probability + frame.top[1].probability == doctest::Approx(1.0f));
    CHECK(frame.map_class == frame.top[0].class_index);
    CHECK(frame.top[0].label == reference.metadata.labels[frame.top[0].class_index]);

    const Image rgb = [&] {
      Image image(probes[p].image.width(), probes[p].image.height(), 3);
      for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
          for (int c = 0; c < 3; ++c) image.pixel(x, y)[c] = probes[p].image.pixel(x, y)[0];
      return image;
    }();
    const CropBox box = default_crop_box(reference.metadata.crop, rgb.width(), rgb.height());
    const Tensor input = preprocess_image(rgb, preprocess_spec(reference.metadata, box));
    const std::unique_ptr<explain::Method> cam = explain::make_method("cam");
    const explain::Explanation expected = explain::explain_target(reference, input, *cam, explain::Target::top());
    CHECK(frame.map_class == expected.target_class);
    REQUIRE(frame.map.values.size() == expected.raw.values.size());
    for (size_t i = 0; i < expected.raw.values.size(); ++i) CHECK(frame.map.values[i] == doctest::Approx(expected.raw.values[i]));
  }
  // Bright regions speak for class 0 (patch_model's design): the bright probe more than the dim one.
  CHECK(frames[0].top[0].class_index == 0);
  CHECK(frames[0].probe.true_class == 0);
  const auto class0 = [](const ProbeFrame& f) { return f.top[0].class_index == 0 ? f.top[0].probability : f.top[1].probability; };
  CHECK(class0(frames[0]) > class0(frames[1]));
}

TEST_CASE("explain_probes: a method that cannot explain the model names the probe") {
  std::vector<ProbeImage> probes;
  probes.push_back({{"probes/01-a.png", 0}, gray_photo(12, 0, 0, 4)});
  CHECK_THROWS_WITH_AS(explain_probes(patch_model(), probes, "no-such-method"), doctest::Contains("no-such-method"), Error);
}
