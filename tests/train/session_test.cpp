#include "train/session.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "train/random.h"

using namespace camlens;

namespace {

// IDX bytes for unsigned-byte values of shape `dims`.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
  std::vector<uint8_t> bytes{0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<uint8_t>(d >> shift));
  }
  bytes.insert(bytes.end(), values.begin(), values.end());
  return bytes;
}

// `count` 28x28 images of noise, labels cycling 0..9, as IDX images and labels.
std::pair<std::vector<uint8_t>, std::vector<uint8_t>> noise_idx(uint32_t count, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<uint8_t> pixels(count * 28 * 28), labels;
  for (uint8_t& pixel : pixels) pixel = static_cast<uint8_t>(random.below(256));
  for (uint32_t i = 0; i < count; ++i) labels.push_back(static_cast<uint8_t>(i % 10));
  return {idx_bytes({count, 28, 28}, pixels), idx_bytes({count}, labels)};
}

DataSummary use_noise(TrainingSession& session, uint32_t train, uint32_t test) {
  const auto [train_images, train_labels] = noise_idx(train, 1);
  const auto [test_images, test_labels] = noise_idx(test, 2);
  return session.use_idx(train_images, train_labels, test_images, test_labels);
}

// An image of `channels` channels filled with `value`.
Image flat(int width, int height, int channels, uint8_t value) {
  Image image(width, height, channels);
  std::fill(image.data(), image.data() + image.size(), value);
  return image;
}

FolderListing two_classes() {
  FolderListing listing;
  listing.root = "pets";
  listing.classes = {{"dog", {"dog/1.png", "dog/2.png", "dog/3.png"}, {}},
                     {"cat", {"cat/1.png", "cat/2.jpg", "cat/3.png", "cat/4.png"}, {}}};
  listing.skipped = {{"notes.txt", SkipReason::not_an_image, "its name does not end in .png"}};
  return listing;
}

}  // namespace

TEST_CASE("training session: settings take the CLI's defaults and refuse unknown or bad values") {
  const RunSettings defaults = run_settings_from_json(nlohmann::json::object());
  CHECK(defaults.architecture == "vgg");
  CHECK(defaults.epochs == 7);
  CHECK(defaults.batch == 64);
  CHECK(defaults.optimizer == "adam");
  CHECK(defaults.learning_rate == doctest::Approx(0.002));
  CHECK(defaults.weight_decay == doctest::Approx(0.01));
  CHECK(defaults.augment);
  CHECK(defaults.seed == 1);
  CHECK(defaults.limit == 0);
  CHECK(defaults.method == "cam");
  const RunSettings sgd = run_settings_from_json({{"optimizer", "sgd"}, {"limit", 512}, {"seed", 9}});
  CHECK(sgd.learning_rate == doctest::Approx(0.05));
  CHECK(sgd.weight_decay == doctest::Approx(5e-4));
  CHECK(sgd.limit == 512);
  CHECK(sgd.seed == 9);
  CHECK_THROWS_WITH_AS(run_settings_from_json({{"epoch", 3}}), doctest::Contains("unknown setting 'epoch'"), Error);
  CHECK_THROWS_WITH_AS(run_settings_from_json({{"epochs", 0}}), doctest::Contains("epochs must be at least 1"), Error);
  CHECK_THROWS_WITH_AS(run_settings_from_json({{"limit", 2.5}}), doctest::Contains("limit must be a whole number"), Error);
  CHECK_THROWS_WITH_AS(run_settings_from_json({{"optimizer", "rmsprop"}}), doctest::Contains("adam or sgd"), Error);
}

TEST_CASE("training session: IDX bytes give Fashion-MNIST's classes, counts and one probe per class") {
  TrainingSession session;
  CHECK_THROWS_WITH_AS(session.start({}), doctest::Contains("no data yet"), Error);
  const DataSummary summary = use_noise(session, 60, 30);
  CHECK(summary.source == "fashion-mnist");
  CHECK(summary.classes.size() == 10);
  CHECK(summary.classes[9] == "Ankle boot");
  CHECK(summary.input == Shape{28, 28, 1});
  CHECK(summary.counts[0].train == 6);
  CHECK(summary.counts[0].validation == 3);
  REQUIRE(session.probes().size() == 10);
  CHECK(session.probes()[0].probe.image == "probes/01-T-shirt-top.png");
  CHECK(session.probes()[9].probe.true_class == 9);
  CHECK(session.probes()[9].image.width() == 28);
  const auto [images, labels] = noise_idx(5, 1);
  CHECK_THROWS_WITH_AS(session.use_idx(images, idx_bytes({4}, {0, 1, 2, 3}), images, labels),
                       doctest::Contains("5 images but 4 labels"), Error);
}

TEST_CASE("training session: a run trains the first `limit` images; another run replaces it on the same data") {
  TrainingSession session;
  use_noise(session, 60, 20);
  RunSettings settings = run_settings_from_json({{"architecture", "vgg-quick"}, {"epochs", 2}, {"batch", 16}, {"limit", 32}});
  session.start(settings);
  CHECK(session.run().timeline().run.train_images == 32);
  CHECK(session.run().timeline().run.data == "fashion-mnist");
  CHECK(session.run().timeline().run.input == Shape{28, 28, 1});
  const std::optional<EpochOutcome> first = session.next_epoch();
  REQUIRE(first);
  CHECK(first->entry.probes.size() == 10);
  // A cancelled epoch, one step in (of two), leaves the run after the epoch before it: the next epoch
  // is the one an uninterrupted run trains.
  int steps = 0;
  CHECK_FALSE(session.next_epoch({}, [&] { return ++steps > 1; }));
  CHECK(session.run().epochs_done() == 1);
  const std::optional<EpochOutcome> second = session.next_epoch();
  REQUIRE(second);
  CHECK(session.run().finished());
  TrainingSession uninterrupted;
  use_noise(uninterrupted, 60, 20);
  uninterrupted.start(settings);
  REQUIRE(uninterrupted.next_epoch());
  const std::optional<EpochOutcome> straight = uninterrupted.next_epoch();
  REQUIRE(straight);
  CHECK(second->entry.train_loss == straight->entry.train_loss);
  CHECK(second->entry.validation_loss == straight->entry.validation_loss);
  CHECK(second->entry.probes[0].map.values == straight->entry.probes[0].map.values);
  CHECK_THROWS_WITH_AS(session.next_epoch(), doctest::Contains("trained all its 2 epochs"), Error);

  settings.architecture = "xception-quick";
  settings.limit = 0;
  session.start(settings);
  CHECK(session.run().architecture().name == "xception-quick");
  CHECK(session.run().timeline().run.train_images == 60);
  CHECK(session.run().epochs_done() == 0);
}

TEST_CASE("training session: a listed folder is planned before any pixel, then read file by file") {
  TrainingSession session;
  const DataSummary planned = session.plan_folder(two_classes(), Shape{16, 16, 3}, {0.5, 1});
  CHECK(planned.classes == std::vector<std::string>{"cat", "dog"});
  CHECK(planned.counts[0].train + planned.counts[0].validation == 4);
  CHECK(planned.counts[1].validation == 2);  // round(1.5)
  CHECK(planned.skipped.size() == 1);
  CHECK_FALSE(session.has_data());
  // Mixed sizes and colour modes; one file does not decode (cat keeps a held-out image: 2 of 4 are).
  int added = 0;
  while (!session.folder_done()) {
    if (session.next_file() == "cat/2.jpg") {
      session.skip_file(SkipReason::unreadable, "not a JPEG");
    } else {
      const int side = 20 + 10 * added;
      session.add_image(flat(side, side + 5, added % 2 == 0 ? 3 : 4, static_cast<uint8_t>(10 * added)));
      ++added;
    }
  }
  const DataSummary read = session.finish_folder();
  CHECK(read.source == "pets");
  CHECK(read.input == Shape{16, 16, 3});
  CHECK(read.validation_fraction == doctest::Approx(0.5));
  CHECK(read.counts[0].skipped == 1);
  CHECK(read.counts[0].train + read.counts[0].validation == 3);
  REQUIRE(read.skipped.size() == 2);
  CHECK(read.skipped[1].file == "cat/2.jpg");
  // The probes are the pictures as given (in RGB), not the 16x16 training copies.
  REQUIRE(session.probes().size() == 2);
  CHECK(session.probes()[0].probe.image == "probes/01-cat.png");
  CHECK(session.probes()[1].probe.true_class == 1);
  CHECK(session.probes()[0].image.width() > 16);
  CHECK(session.probes()[0].image.channels() == 3);
  session.start(run_settings_from_json({{"architecture", "vgg-quick"}, {"epochs", 1}, {"batch", 2}}));
  CHECK(session.run().timeline().run.validation_fraction == doctest::Approx(0.5));
  REQUIRE(session.next_epoch());
}

TEST_CASE("training session: a bad listing says what is wrong; a folder with no readable class says which") {
  TrainingSession session;
  FolderListing one = two_classes();
  one.classes.pop_back();
  CHECK_THROWS_WITH_AS(session.plan_folder(one, Shape{16, 16, 3}, {}), doctest::Contains("holds one class folder ('dog')"),
                       Error);
  FolderListing empty_class = two_classes();
  empty_class.classes[0].train.clear();
  CHECK_THROWS_WITH_AS(session.plan_folder(empty_class, Shape{16, 16, 3}, {}),
                       doctest::Contains("'pets/dog' holds no PNG, JPEG, GIF or BMP images"), Error);
  FolderListing single_image = two_classes();
  single_image.classes[0].train.resize(1);
  CHECK_THROWS_WITH_AS(session.plan_folder(single_image, Shape{16, 16, 3}, {}), doctest::Contains("has only 1 image"),
                       Error);

  session.plan_folder(two_classes(), Shape{16, 16, 3}, {});
  while (!session.folder_done()) {
    if (session.next_file().starts_with("dog/")) {
      session.skip_file(SkipReason::unreadable, "truncated");
    } else {
      session.add_image(flat(8, 8, 1, 100));
    }
  }
  CHECK_THROWS_WITH_AS(session.finish_folder(), doctest::Contains("the class 'dog' has no readable images"), Error);
  CHECK_FALSE(session.has_data());
}

TEST_CASE("training session: a folder listing from JSON, and its errors") {
  const FolderListing listing = folder_listing_from_json(nlohmann::json::parse(R"({
    "root": "pets", "split_given": false,
    "classes": [{"name": "cat", "train": ["cat/1.png", "cat/2.png"]}, {"name": "dog", "train": ["dog/1.png"], "validation": []}],
    "skipped": [{"file": "big.png", "reason": "too large", "detail": "70000000 bytes"}]})"));
  CHECK(listing.root == "pets");
  REQUIRE(listing.classes.size() == 2);
  CHECK(listing.classes[0].train == std::vector<std::string>{"cat/1.png", "cat/2.png"});
  REQUIRE(listing.skipped.size() == 1);
  CHECK(listing.skipped[0].reason == SkipReason::too_large);
  CHECK_THROWS_WITH_AS(folder_listing_from_json(nlohmann::json::parse(R"({"root": "x"})")),
                       doctest::Contains("folder listing has no \"classes\""), Error);
  CHECK_THROWS_WITH_AS(
      folder_listing_from_json(nlohmann::json::parse(R"({"classes": [], "skipped": [{"file": "a", "reason": "odd"}]})")),
      doctest::Contains("'not an image', 'too large' or 'unreadable', got 'odd'"), Error);
}
