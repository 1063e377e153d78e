#include "train/run.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/backend.h"
#include "train/random.h"

using namespace camlens;

namespace {

const std::vector<std::string> kLabels{"top-left", "top-right", "bottom-left", "bottom-right"};

// 16x16 gray images of 4 classes: a bright 5x5 square in the class's quadrant, on dim noise.
Dataset quadrants(size_t count, uint64_t seed) {
  SeededRandom random(seed);
  Dataset data = empty_dataset(Shape{16, 16, 1});
  data.pixels.resize(count * 16 * 16);
  for (size_t n = 0; n < count; ++n) {
    const int label = static_cast<int>(n % 4);
    data.labels.push_back(label);
    uint8_t* image = data.pixels.data() + n * 16 * 16;
    for (int i = 0; i < 16 * 16; ++i) image[i] = static_cast<uint8_t>(random.below(60));
    const int top = 1 + 8 * (label / 2), left = 1 + 8 * (label % 2);
    for (int y = top; y < top + 5; ++y)
      for (int x = left; x < left + 5; ++x) image[y * 16 + x] = 255;
  }
  return data;
}

TrainingSet quadrant_set() {
  TrainingSet set;
  set.labels = kLabels;
  set.train = quadrants(192, 1);
  set.validation = quadrants(40, 2);
  return set;
}

RunSettings settings_for(const std::string& architecture, int epochs) {
  RunSettings run;
  run.architecture = architecture;
  run.data = "quadrants";
  run.input = Shape{16, 16, 1};
  run.labels = kLabels;
  run.epochs = epochs;
  run.batch = 32;
  run.optimizer = "adam";
  run.learning_rate = 0.01f;
  run.weight_decay = 0.01f;
  run.seed = 5;
  run.augment = false;  // a flip would move the square to another class's quadrant
  run.method = "cam";
  return run;
}

std::vector<ProbeImage> probes_of(const Dataset& data, int count) {
  std::vector<ProbeImage> probes;
  for (int i = 0; i < count; ++i) {
    Image image(16, 16, 1);
    const auto item = data.item(static_cast<size_t>(i));
    std::copy(item.begin(), item.end(), image.data());
    probes.push_back({{"probes/" + std::to_string(i) + ".png", data.labels[static_cast<size_t>(i)]}, std::move(image)});
  }
  return probes;
}

// Everything an epoch records but its wall-clock seconds.
void check_same_epochs(const Timeline& a, const Timeline& b) {
  REQUIRE(a.epochs.size() == b.epochs.size());
  for (size_t e = 0; e < a.epochs.size(); ++e) {
    CHECK(a.epochs[e].train_loss == b.epochs[e].train_loss);
    CHECK(a.epochs[e].validation_accuracy == b.epochs[e].validation_accuracy);
    REQUIRE(a.epochs[e].probes.size() == b.epochs[e].probes.size());
    for (size_t p = 0; p < a.epochs[e].probes.size(); ++p) {
      CHECK(a.epochs[e].probes[p].top[0].probability == b.epochs[e].probes[p].top[0].probability);
      CHECK(a.epochs[e].probes[p].map.values == b.epochs[e].probes[p].map.values);
    }
  }
}

Timeline straight_run(const std::string& architecture, int threads) {
  kernels::ThreadCountScope scope(threads);
  const TrainingSet set = quadrant_set();
  TrainingRun run(settings_for(architecture, 2), set, probes_of(set.validation, 4));
  while (!run.finished()) REQUIRE(run.next_epoch());
  return run.timeline();
}

}  // namespace

TEST_CASE("training run: each epoch appends its losses, snapshot folder and every probe's top-3 and map") {
  const TrainingSet set = quadrant_set();
  TrainingRun run(settings_for("vgg-quick", 4), set, probes_of(set.validation, 4));
  CHECK(run.timeline().run.layer == run.architecture().explain_layer());
  CHECK(run.timeline().run.train_images == 192);
  CHECK(run.timeline().run.validation_images == 40);
  CHECK(run.timeline().probes.size() == 4);
  int steps_seen = 0;
  std::optional<EpochOutcome> first = run.next_epoch([&](int done, int total) {
    CHECK(total == 6);
    steps_seen = done;
  });
  REQUIRE(first);
  CHECK(steps_seen == 6);
  CHECK(first->entry.epoch == 1);
  CHECK(first->entry.snapshot == "epochs/01");
  REQUIRE(first->entry.probes.size() == 4);
  for (const ProbeFrame& frame : first->entry.probes) {
    CHECK(frame.top.size() == 3);
    CHECK(frame.layer == run.architecture().explain_layer());
    CHECK_FALSE(frame.map.empty());
  }
  // The snapshot is the deployable model: its Softmax ends the graph.
  CHECK(first->snapshot.output_name() == "probabilities");
  while (!run.finished()) REQUIRE(run.next_epoch());
  CHECK(run.timeline().epochs.size() == 4);
  MESSAGE("validation accuracy after 4 epochs: ", run.timeline().epochs[3].validation_accuracy);
  CHECK(run.timeline().epochs[3].validation_accuracy > 0.9);  // the quadrant is easy to learn
  CHECK_THROWS_WITH_AS(run.next_epoch(), doctest::Contains("epochs are done already"), Error);
}

TEST_CASE("training run: the same seed gives the same timeline at 1 and 2 threads, for both kinds of network") {
  for (const char* architecture : {"vgg-quick", "xception-quick"}) {
    CAPTURE(architecture);
    check_same_epochs(straight_run(architecture, 1), straight_run(architecture, 2));
  }
}

TEST_CASE("training run: resumed from the state after epoch 1, it ends as one that never stopped") {
  const Timeline straight = straight_run("xception-quick", 1);
  const TrainingSet set = quadrant_set();
  std::vector<uint8_t> state;
  Timeline after_one;
  {
    TrainingRun first(settings_for("xception-quick", 2), set, probes_of(set.validation, 4));
    REQUIRE(first.next_epoch());
    state = first.save_state();
    after_one = first.timeline();
  }
  TrainingRun second(settings_for("xception-quick", 2), set, probes_of(set.validation, 4));
  second.resume(after_one, state);
  CHECK(second.epochs_done() == 1);
  REQUIRE(second.next_epoch());
  check_same_epochs(second.timeline(), straight);

  TrainingRun other_seed([] {
    RunSettings settings = settings_for("xception-quick", 2);
    settings.seed = 6;
    return settings;
  }(), set, probes_of(set.validation, 4));
  CHECK_THROWS_WITH_AS(other_seed.resume(after_one, state), doctest::Contains("another run"), Error);
  TrainingRun other_architecture(settings_for("vgg-quick", 2), set, probes_of(set.validation, 4));
  Timeline relabelled = after_one;
  relabelled.run.architecture = "vgg-quick";
  CHECK_THROWS_WITH_AS(other_architecture.resume(relabelled, state), doctest::Contains("another architecture"), Error);
}

TEST_CASE("training run: a cancelled epoch returns nothing and leaves the finished epochs as they were") {
  const TrainingSet set = quadrant_set();
  TrainingRun run(settings_for("vgg-quick", 3), set, probes_of(set.validation, 2));
  REQUIRE(run.next_epoch());
  int asked = 0;
  CHECK_FALSE(run.next_epoch({}, [&] { return ++asked > 2; }));
  CHECK(run.epochs_done() == 1);
  CHECK(run.timeline().epochs.size() == 1);
}

TEST_CASE("training run: settings that do not fit the data or the probes are errors") {
  const TrainingSet set = quadrant_set();
  RunSettings wrong_input = settings_for("vgg-quick", 1);
  wrong_input.input = Shape{32, 32, 1};
  CHECK_THROWS_WITH_AS(TrainingRun(wrong_input, set, {}), doctest::Contains("resize the images"), Error);
  RunSettings unknown = settings_for("lenet", 1);
  CHECK_THROWS_WITH_AS(TrainingRun(unknown, set, {}), doctest::Contains("vgg-quick"), Error);
  std::vector<ProbeImage> bad_probe = probes_of(set.validation, 1);
  bad_probe[0].probe.true_class = 7;
  CHECK_THROWS_WITH_AS(TrainingRun(settings_for("vgg-quick", 1), set, std::move(bad_probe)),
                       doctest::Contains("not one of the run's 4"), Error);
}
