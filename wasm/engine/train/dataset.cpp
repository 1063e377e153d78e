#include "train/dataset.h"

#include <algorithm>

#include "core/error.h"

namespace camlens {

namespace {

size_t item_size(const Dataset& data) { return data.images.shape().size() / data.images.shape()[0]; }

}  // namespace

Shape Dataset::image_shape() const {
  const Shape& s = images.shape();
  return Shape{s.h(), s.w(), s.c()};
}

void validate_dataset(const Dataset& data, int classes, const char* what) {
  const Shape& s = data.images.shape();
  if (s.rank() != 4) fail(what, ": images must be [N, H, W, C], got ", s.str());
  if (static_cast<size_t>(s.n()) != data.labels.size()) {
    fail(what, ": ", s.n(), " images ", s.str(), " but ", data.labels.size(), " labels; give one label per image");
  }
  if (data.labels.empty()) fail(what, ": the data set is empty");
  for (size_t i = 0; i < data.labels.size(); ++i) {
    if (data.labels[i] < 0 || data.labels[i] >= classes) {
      fail(what, ": label ", data.labels[i], " of item ", i, " is outside [0, ", classes, ")");
    }
  }
}

Dataset take_first(const Dataset& data, size_t count) {
  count = std::min(count, data.size());
  const Shape& s = data.images.shape();
  Dataset subset;
  subset.images = Tensor(Shape::nhwc(static_cast<int>(count), s.h(), s.w(), s.c()),
                         data.images.values().first(count * item_size(data)));
  subset.labels.assign(data.labels.begin(), data.labels.begin() + static_cast<std::ptrdiff_t>(count));
  return subset;
}

void gather_batch(Tensor& images, std::vector<int>& labels, const Dataset& data, std::span<const size_t> indices) {
  const Shape& s = data.images.shape();
  const size_t item = item_size(data);
  images.reshape_storage(Shape::nhwc(static_cast<int>(indices.size()), s.h(), s.w(), s.c()));
  labels.resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] >= data.size()) fail("gather_batch: index ", indices[i], " is past the data set's ", data.size(), " items");
    std::copy_n(data.images.data() + indices[i] * item, item, images.data() + i * item);
    labels[i] = data.labels[indices[i]];
  }
}

}  // namespace camlens
