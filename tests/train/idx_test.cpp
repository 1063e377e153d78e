#include "train/idx.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "core/error.h"

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

}  // namespace

TEST_CASE("IDX: parsed bytes become a Dataset") {
  // Two 2x3 images with pixels 0, 51, 102, ... and their labels.
  std::vector<uint8_t> pixels;
  for (int i = 0; i < 12; ++i) pixels.push_back(static_cast<uint8_t>(i * 51 % 256));
  const IdxArray images = parse_idx(idx_bytes({2, 2, 3}, pixels), "images");
  CHECK(images.dims == std::vector<int>{2, 2, 3});
  CHECK(images.values == pixels);

  const Dataset data = dataset_from_idx(images, parse_idx(idx_bytes({2}, {7, 3}), "labels"), "fixture");
  CHECK(data.image_shape() == Shape{2, 3, 1});
  CHECK(data.pixels == pixels);
  CHECK(data.labels == std::vector<int>{7, 3});
}

TEST_CASE("IDX: malformed bytes are errors naming the source") {
  CHECK_THROWS_WITH_AS(parse_idx(std::vector<uint8_t>{1, 0, 8, 1}, "x.idx"), doctest::Contains("'x.idx' is not an IDX file"),
                       Error);
  CHECK_THROWS_WITH_AS(parse_idx(std::vector<uint8_t>{0, 0, 0x0D, 1, 0, 0, 0, 0}, "floats.idx"),
                       doctest::Contains("IDX type 0xd"), Error);
  CHECK_THROWS_WITH_AS(parse_idx(idx_bytes({2, 3}, {1, 2, 3, 4, 5}), "short.idx"),
                       doctest::Contains("declares 2 x 3 = 6 values but holds 5"), Error);
  // Dimensions whose product overflows 64 bits must not wrap around to the bytes held.
  CHECK_THROWS_WITH_AS(parse_idx(idx_bytes({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {1}), "huge.idx"),
                       doctest::Contains("declares 4294967295 x 4294967295 x 4294967295 values but holds 1"), Error);
  CHECK_THROWS_WITH_AS(parse_idx(std::vector<uint8_t>{0, 0, 8, 2, 0, 0}, "header.idx"),
                       doctest::Contains("truncated IDX header"), Error);
  CHECK_THROWS_WITH_AS(dataset_from_idx(parse_idx(idx_bytes({3, 1, 1}, {1, 2, 3}), "i"),
                                        parse_idx(idx_bytes({2}, {0, 1}), "l"), "pair"),
                       doctest::Contains("pair: 3 images but 2 labels"), Error);
}
