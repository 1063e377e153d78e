#pragma once
// A labelled image set held in memory: images [N, H, W, C] (float, the model's input scale) and
// one integer label per image.
#include <cstddef>
#include <span>
#include <vector>

#include "core/tensor.h"

namespace camlens {

struct Dataset {
  Tensor images;
  std::vector<int> labels;

  size_t size() const { return labels.size(); }
  // The item shape [H, W, C].
  Shape image_shape() const;
};

// Throws unless images is [N, H, W, C] with one label per image, each in [0, classes).
void validate_dataset(const Dataset& data, int classes, const char* what);

// The first `count` items (all of them when count >= size): a copy, for quick runs on a subset.
Dataset take_first(const Dataset& data, size_t count);

// Copies the items at `indices` into `images` [indices.size(), H, W, C] and `labels`.
void gather_batch(Tensor& images, std::vector<int>& labels, const Dataset& data, std::span<const size_t> indices);

}  // namespace camlens
