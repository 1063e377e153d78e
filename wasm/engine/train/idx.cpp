#include "train/idx.h"

#include <limits>

#include "core/error.h"

namespace camlens {

namespace {

constexpr uint8_t kUnsignedByte = 0x08;

uint32_t big_endian_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

IdxArray parse_idx(std::span<const uint8_t> bytes, const std::string& source) {
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0) {
    fail("'", source, "' is not an IDX file: it must start with two zero bytes, a type and a rank");
  }
  if (bytes[2] != kUnsignedByte) {
    fail("'", source, "' holds IDX type 0x", std::hex, int{bytes[2]}, std::dec,
         "; only unsigned bytes (0x08), as in MNIST-style data sets, are supported");
  }
  const int rank = bytes[3];
  if (rank < 1 || bytes.size() < 4 + 4 * static_cast<size_t>(rank)) {
    fail("'", source, "' is a truncated IDX header: rank ", rank, " in ", bytes.size(), " bytes");
  }
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  const size_t available = bytes.size() - header;
  IdxArray array;
  std::string described;  // "60000 x 28 x 28"
  // The product saturates instead of overflowing, so a hostile header fails the size check below.
  constexpr size_t kSaturated = std::numeric_limits<size_t>::max();
  size_t count = 1;
  for (int axis = 0; axis < rank; ++axis) {
    const uint32_t dim = big_endian_u32(&bytes[4 + 4 * axis]);
    array.dims.push_back(static_cast<int>(dim));
    described += (described.empty() ? "" : " x ") + std::to_string(dim);
    count = dim != 0 && count > kSaturated / dim ? kSaturated : count * dim;
  }
  if (available != count) {
    fail("'", source, "' declares ", described, count == kSaturated ? "" : " = " + std::to_string(count),
         " values but holds ", available);
  }
  array.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

Dataset dataset_from_idx(const IdxArray& images, const IdxArray& labels, const std::string& source) {
  if (images.dims.size() != 3) fail(source, ": images must be an IDX array [N, rows, cols], got rank ", images.dims.size());
  if (labels.dims.size() != 1) fail(source, ": labels must be an IDX array [N], got rank ", labels.dims.size());
  if (images.dims[0] != labels.dims[0]) {
    fail(source, ": ", images.dims[0], " images but ", labels.dims[0], " labels; the files do not belong together");
  }
  Dataset data = empty_dataset(Shape{images.dims[1], images.dims[2], 1});
  data.pixels = images.values;
  data.labels.assign(labels.values.begin(), labels.values.end());
  return data;
}

const std::vector<std::string>& fashion_mnist_labels() {
  static const std::vector<std::string> labels{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return labels;
}

}  // namespace camlens
