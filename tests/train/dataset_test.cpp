#include "train/dataset.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "core/error.h"

using namespace camlens;

namespace {

// Four 1x2 two-channel images; image i holds the bytes 10i .. 10i + 3.
Dataset four_images() {
  Dataset data = empty_dataset(Shape{1, 2, 2});
  for (int i = 0; i < 16; ++i) data.pixels.push_back(static_cast<uint8_t>(10 * (i / 4) + i % 4));
  data.labels = {0, 1, 2, 1};
  return data;
}

}  // namespace

TEST_CASE("Dataset: gather_batch and take_first copy the right items") {
  const Dataset data = four_images();
  CHECK(data.image_shape() == Shape{1, 2, 2});
  CHECK(data.item_bytes() == 4);
  CHECK(data.item(2)[3] == 23);

  Tensor images;
  std::vector<int> labels;
  const std::vector<size_t> indices{3, 0};
  gather_batch(images, labels, data, indices);
  CHECK(images.shape() == Shape::nhwc(2, 1, 2, 2));
  CHECK(images[0] == 30.0f / 255.0f);
  CHECK(images[3] == 33.0f / 255.0f);
  CHECK(images[4] == 0.0f);
  CHECK(labels == std::vector<int>{1, 0});

  const Dataset first = take_first(data, 2);
  CHECK(first.size() == 2);
  CHECK(first.image_shape() == Shape{1, 2, 2});
  CHECK(first.pixels.size() == 8);
  CHECK(first.pixels[7] == 13);
  CHECK(first.labels == std::vector<int>{0, 1});
  CHECK(take_first(data, 100).size() == 4);

  CHECK_THROWS_WITH_AS(gather_batch(images, labels, data, std::vector<size_t>{4}),
                       doctest::Contains("index 4 is past the data set's 4 items"), Error);
}

TEST_CASE("Dataset: take_each_class_in_turn holds every class of data sorted by class") {
  Dataset sorted = empty_dataset(Shape{1, 1, 1});
  for (int label : {0, 0, 0, 0, 1, 1, 2}) {
    sorted.pixels.push_back(static_cast<uint8_t>(sorted.labels.size()));
    sorted.labels.push_back(label);
  }
  const Dataset some = take_each_class_in_turn(sorted, 5);
  CHECK(some.labels == std::vector<int>{0, 1, 2, 0, 1});
  CHECK(some.pixels == std::vector<uint8_t>{0, 4, 6, 1, 5});  // each class's items in their order
  CHECK(take_each_class_in_turn(sorted, 100).size() == 7);
  CHECK(take_first(sorted, 5).labels == std::vector<int>{0, 0, 0, 0, 1});  // what a plain prefix would take
}

TEST_CASE("Dataset: gather_batch gives every byte the float value / 255, as images were trained before") {
  // A Fashion-MNIST-like item holding each byte value once: each float must equal the division the
  // IDX loader made when data sets held floats, bit for bit, so shipped models re-train the same.
  Dataset data = empty_dataset(Shape{16, 16, 1});
  for (int v = 0; v < 256; ++v) data.pixels.push_back(static_cast<uint8_t>(255 - v));
  data.labels = {0};
  Tensor images;
  std::vector<int> labels;
  gather_batch(images, labels, data, std::vector<size_t>{0});
  REQUIRE(images.size() == 256);
  for (int i = 0; i < 256; ++i) {
    const uint8_t byte = data.pixels[i];
    CAPTURE(int{byte});
    CHECK(images[i] == byte / 255.0f);
  }
  CHECK(images[0] == 1.0f);
  CHECK(images[255] == 0.0f);
}

TEST_CASE("Dataset: validate_dataset names what is wrong") {
  Dataset data = four_images();
  validate_dataset(data, 3, "test set");
  CHECK_THROWS_WITH_AS(validate_dataset(data, 2, "test set"),
                       doctest::Contains("test set: label 2 of item 2 is outside [0, 2)"), Error);
  data.labels.pop_back();
  CHECK_THROWS_WITH_AS(validate_dataset(data, 3, "test set"),
                       doctest::Contains("16 pixel bytes for items [1, 2, 2] but 3 labels"), Error);
  CHECK_THROWS_WITH_AS(validate_dataset(Dataset{}, 3, "empty"), doctest::Contains("items must be [H, W, C]"), Error);
  CHECK_THROWS_WITH_AS(empty_dataset(Shape{2, 3}),
                       doctest::Contains("items must be [H, W, C] with each at least 1, got [2, 3]"), Error);
}
