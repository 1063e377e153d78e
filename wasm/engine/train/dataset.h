#pragma once
// A labelled image set held in memory: pixels as bytes (0..255), items [H, W, C] one after the
// other, and one integer label per image. Bytes, not floats: 50,000 images of 64x64x3 take 614 MB
// as bytes and four times that as floats, more than a browser gives WebAssembly. gather_batch
// converts a batch to the model's input scale, value / 255, as it is trained.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/tensor.h"
#include "image/image.h"

namespace camlens {

struct Dataset {
  std::vector<std::uint8_t> pixels;  // [N, H, W, C], row-major
  Shape item_shape;                  // [H, W, C]
  std::vector<int> labels;

  size_t size() const { return labels.size(); }
  // The item shape [H, W, C].
  const Shape& image_shape() const { return item_shape; }
  size_t item_bytes() const;  // H * W * C
  // The bytes of item `index` (unchecked).
  std::span<const std::uint8_t> item(size_t index) const;
};

// An empty data set of items `item_shape` [H, W, C]; an Error unless each dimension is at least 1.
Dataset empty_dataset(const Shape& item_shape);

// Throws unless the item shape is [H, W, C], pixels hold one item per label, and each label lies
// in [0, classes).
void validate_dataset(const Dataset& data, int classes, const char* what);

// The first `count` items (all of them when count >= size): a copy, for quick runs on a subset.
Dataset take_first(const Dataset& data, size_t count);
// Item `index` as an image of the item's size and channels (the bytes as they are).
Image item_image(const Dataset& data, size_t index);

// The index of the first item of each class in [0, classes) that has one, in class order.
std::vector<size_t> first_of_each_class(const Dataset& data, size_t classes);

// `count` items taken from every class in turn (each class's in their order), so a subset of data
// sorted by class still holds every class: a quick run on a folder of class subfolders.
Dataset take_each_class_in_turn(const Dataset& data, size_t count);

// Fills `images` [indices.size(), H, W, C] with the items at `indices` as floats value / 255
// (in [0, 1]), and `labels` with their labels.
void gather_batch(Tensor& images, std::vector<int>& labels, const Dataset& data, std::span<const size_t> indices);

}  // namespace camlens
