#include "train/dataset.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"

using namespace camlens;

namespace {

// Four 1x2 two-channel images; image i holds the values 10i .. 10i + 3.
Dataset four_images() {
  Dataset data;
  data.images = Tensor(Shape::nhwc(4, 1, 2, 2));
  for (int i = 0; i < 16; ++i) data.images[i] = static_cast<float>(10 * (i / 4) + i % 4);
  data.labels = {0, 1, 2, 1};
  return data;
}

}  // namespace

TEST_CASE("Dataset: gather_batch and take_first copy the right items") {
  const Dataset data = four_images();
  CHECK(data.image_shape() == Shape{1, 2, 2});

  Tensor images;
  std::vector<int> labels;
  const std::vector<size_t> indices{3, 0};
  gather_batch(images, labels, data, indices);
  CHECK(images.shape() == Shape::nhwc(2, 1, 2, 2));
  CHECK(images[0] == 30.0f);
  CHECK(images[3] == 33.0f);
  CHECK(images[4] == 0.0f);
  CHECK(labels == std::vector<int>{1, 0});

  const Dataset first = take_first(data, 2);
  CHECK(first.size() == 2);
  CHECK(first.images.shape() == Shape::nhwc(2, 1, 2, 2));
  CHECK(first.images[7] == 13.0f);
  CHECK(first.labels == std::vector<int>{0, 1});
  CHECK(take_first(data, 100).size() == 4);

  CHECK_THROWS_WITH_AS(gather_batch(images, labels, data, std::vector<size_t>{4}),
                       doctest::Contains("index 4 is past the data set's 4 items"), Error);
}

TEST_CASE("Dataset: validate_dataset names what is wrong") {
  Dataset data = four_images();
  validate_dataset(data, 3, "test set");
  CHECK_THROWS_WITH_AS(validate_dataset(data, 2, "test set"),
                       doctest::Contains("test set: label 2 of item 2 is outside [0, 2)"), Error);
  data.labels.pop_back();
  CHECK_THROWS_WITH_AS(validate_dataset(data, 3, "test set"),
                       doctest::Contains("4 images [4, 1, 2, 2] but 3 labels"), Error);
}
