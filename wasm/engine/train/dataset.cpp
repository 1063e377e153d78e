#include "train/dataset.h"

#include <algorithm>
#include <array>

#include "core/error.h"

namespace camlens {

namespace {

// value / 255 for every byte, computed once: the same floats as dividing each pixel.
const std::array<float, 256>& byte_to_unit() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> values{};
    for (int v = 0; v < 256; ++v) values[v] = static_cast<float>(v) / 255.0f;
    return values;
  }();
  return table;
}

}  // namespace

size_t Dataset::item_bytes() const { return item_shape.rank() == 3 ? item_shape.size() : 0; }

std::span<const std::uint8_t> Dataset::item(size_t index) const {
  return std::span<const std::uint8_t>(pixels).subspan(index * item_bytes(), item_bytes());
}

Dataset empty_dataset(const Shape& item_shape) {
  if (item_shape.rank() != 3 || item_shape[0] < 1 || item_shape[1] < 1 || item_shape[2] < 1) {
    fail("a data set's items must be [H, W, C] with each at least 1, got ", item_shape.str());
  }
  Dataset data;
  data.item_shape = item_shape;
  return data;
}

void validate_dataset(const Dataset& data, int classes, const char* what) {
  const Shape& s = data.item_shape;
  if (s.rank() != 3) fail(what, ": items must be [H, W, C], got ", s.str());
  if (data.pixels.size() != data.labels.size() * data.item_bytes()) {
    fail(what, ": ", data.pixels.size(), " pixel bytes for items ", s.str(), " but ", data.labels.size(),
         " labels; give one label per image");
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
  Dataset subset;
  subset.item_shape = data.item_shape;
  subset.pixels.assign(data.pixels.begin(),
                       data.pixels.begin() + static_cast<std::ptrdiff_t>(count * data.item_bytes()));
  subset.labels.assign(data.labels.begin(), data.labels.begin() + static_cast<std::ptrdiff_t>(count));
  return subset;
}

Image item_image(const Dataset& data, size_t index) {
  const Shape& shape = data.item_shape;
  Image image(shape[1], shape[0], shape[2]);
  const std::span<const std::uint8_t> item = data.item(index);
  std::copy(item.begin(), item.end(), image.data());
  return image;
}

std::vector<size_t> first_of_each_class(const Dataset& data, size_t classes) {
  std::vector<size_t> first(classes, data.size());
  for (size_t i = data.size(); i-- > 0;) {
    if (static_cast<size_t>(data.labels[i]) < classes) first[data.labels[i]] = i;
  }
  std::erase(first, data.size());
  return first;
}

Dataset take_each_class_in_turn(const Dataset& data, size_t count) {
  count = std::min(count, data.size());
  std::vector<std::vector<size_t>> by_class;
  for (size_t i = 0; i < data.size(); ++i) {
    const auto label = static_cast<size_t>(data.labels[i]);
    if (label >= by_class.size()) by_class.resize(label + 1);
    by_class[label].push_back(i);
  }
  std::vector<size_t> taken;
  for (size_t round = 0; taken.size() < count; ++round) {
    for (const std::vector<size_t>& items : by_class) {
      if (round < items.size() && taken.size() < count) taken.push_back(items[round]);
    }
  }
  Dataset subset;
  subset.item_shape = data.item_shape;
  subset.pixels.reserve(count * data.item_bytes());
  for (const size_t i : taken) {
    const std::span<const std::uint8_t> item = data.item(i);
    subset.pixels.insert(subset.pixels.end(), item.begin(), item.end());
    subset.labels.push_back(data.labels[i]);
  }
  return subset;
}

void gather_batch(Tensor& images, std::vector<int>& labels, const Dataset& data, std::span<const size_t> indices) {
  const Shape& s = data.item_shape;
  const size_t item = data.item_bytes();
  const std::array<float, 256>& unit = byte_to_unit();
  images.reshape_storage(Shape::nhwc(static_cast<int>(indices.size()), s[0], s[1], s[2]));
  labels.resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] >= data.size()) {
      fail("gather_batch: index ", indices[i], " is past the data set's ", data.size(), " items");
    }
    const std::uint8_t* source = data.pixels.data() + indices[i] * item;
    float* out = images.data() + i * item;
    for (size_t k = 0; k < item; ++k) out[k] = unit[source[k]];
    labels[i] = data.labels[indices[i]];
  }
}

}  // namespace camlens
