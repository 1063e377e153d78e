#include "image/preprocess.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "core/error.h"

using namespace camlens;

namespace {

Image image_from(int width, int height, int channels, const std::vector<int>& values) {
  Image image(width, height, channels);
  for (size_t i = 0; i < values.size(); ++i) image.data()[i] = static_cast<std::uint8_t>(values[i]);
  return image;
}

void check_values(const Tensor& out, const std::vector<double>& expected, double tolerance) {
  REQUIRE(out.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(std::fabs(out[i] - expected[i]) <= tolerance);
  }
}

PreprocessSpec emotion_spec(int width, int height) {
  return {.width = width, .height = height, .color = ColorMode::gray, .scale = 2.0f, .offset = -1.0f};
}

}  // namespace

// Tolerances: values are O(1) floats; 1e-6 is a few units in the last place.

TEST_CASE("gray with the emotion model's weights, then (gray - 0.5) * 2") {
  // Red: 0.2989 -> -0.4022. Cyan: 0.5870 + 0.1140 = 0.7010 -> 0.4020. White: 0.9999 -> 0.9998
  // (the three weights sum to 0.9999, as in TensorFlow).
  const Image image = image_from(3, 1, 3, {255, 0, 0, 0, 255, 255, 255, 255, 255});
  const Tensor out = preprocess_image(image, emotion_spec(3, 1));
  CHECK(out.shape() == Shape::nhwc(1, 1, 3, 1));
  check_values(out, {-0.4022, 0.4020, 0.9998}, 1e-6);
}

TEST_CASE("gray weights are a parameter") {
  const Image image = image_from(2, 1, 3, {51, 102, 204, 255, 0, 127});
  PreprocessSpec spec{.width = 2, .height = 1, .color = ColorMode::gray, .gray_weights = {0.0f, 0.0f, 1.0f}};
  check_values(preprocess_image(image, spec), {0.8, 127 / 255.0}, 1e-6);
}

TEST_CASE("RGB with per-channel mean and std") {
  // (51, 102, 204) / 255 = (0.2, 0.4, 0.8); ImageNet mean and std:
  // (0.2 - 0.485) / 0.229 = -1.244541, (0.4 - 0.456) / 0.224 = -0.25, (0.8 - 0.406) / 0.225 = 1.751111
  const Image image = image_from(1, 1, 3, {51, 102, 204});
  PreprocessSpec spec{.width = 1,
                      .height = 1,
                      .scaling = ValueScaling::mean_std,
                      .mean = {0.485f, 0.456f, 0.406f},
                      .std = {0.229f, 0.224f, 0.225f}};
  const Tensor out = preprocess_image(image, spec);
  CHECK(out.shape() == Shape::nhwc(1, 1, 1, 3));
  check_values(out, {-1.244541, -0.25, 1.751111}, 1e-5);  // the constants above have 7 digits
}

TEST_CASE("scale and offset act on 0..1 values: scale 255 gives the bytes back") {
  const Image image = image_from(2, 1, 3, {0, 128, 255, 7, 8, 9});
  const PreprocessSpec spec{.width = 2, .height = 1, .scale = 255.0f};
  check_values(preprocess_image(image, spec), {0, 128, 255, 7, 8, 9}, 1e-4);
}

TEST_CASE("BGR feeds blue first; the mean and std are the model's channels', in its order") {
  const Image image = image_from(2, 1, 4, {0, 128, 255, 9, 7, 8, 9, 9});  // RGBA: alpha dropped
  const PreprocessSpec bytes{.width = 2, .height = 1, .color = ColorMode::bgr, .scale = 255.0f};
  check_values(preprocess_image(image, bytes), {255, 128, 0, 9, 8, 7}, 1e-4);
  // A gray image repeats its value in every channel, in any order.
  check_values(preprocess_image(image_from(1, 1, 1, {40}), {.width = 1, .height = 1, .color = ColorMode::bgr, .scale = 255.0f}),
               {40, 40, 40}, 1e-4);
  // Caffe's BGR means: channel 0 is blue's.
  const PreprocessSpec caffe{.width = 1, .height = 1, .color = ColorMode::bgr, .scaling = ValueScaling::mean_std,
                             .mean = {0.4f, 0.0f, 0.0f}, .std = {0.5f, 1.0f, 1.0f}};
  check_values(preprocess_image(image_from(1, 1, 3, {0, 0, 204}), caffe), {0.8, 0, 0}, 1e-6);
}

TEST_CASE("alpha is dropped; a gray image is used as is for gray and repeated for RGB") {
  const Image rgba = image_from(1, 1, 4, {51, 102, 204, 0});
  const Image rgb = image_from(1, 1, 3, {51, 102, 204});
  for (ColorMode color : {ColorMode::gray, ColorMode::rgb}) {
    const PreprocessSpec spec{.width = 1, .height = 1, .color = color};
    const Tensor from_rgba = preprocess_image(rgba, spec), from_rgb = preprocess_image(rgb, spec);
    CHECK(std::vector<float>(from_rgba.values().begin(), from_rgba.values().end()) ==
          std::vector<float>(from_rgb.values().begin(), from_rgb.values().end()));
  }
  const Image gray = image_from(1, 1, 1, {255});
  check_values(preprocess_image(gray, {.width = 1, .height = 1, .color = ColorMode::gray}), {1.0}, 0.0);
  check_values(preprocess_image(gray, {.width = 1, .height = 1, .color = ColorMode::rgb}), {1.0, 1.0, 1.0}, 0.0);
}

TEST_CASE("a crop at the model's size takes exactly the boxed pixels") {
  // 4x3 gray image with values 10 * row + column; the box (1, 1, 2, 2) holds 11 12 / 21 22.
  const Image image = image_from(4, 3, 1, {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23});
  const PreprocessSpec spec{.width = 2, .height = 2, .color = ColorMode::gray, .scale = 255.0f,
                            .crop = CropBox{1, 1, 2, 2}};
  check_values(preprocess_image(image, spec), {11, 12, 21, 22}, 1e-4);
}

TEST_CASE("crop then resize is half-pixel bilinear sampling of the crop alone (clamped at the crop's edges)") {
  Image image(9, 7, 3);
  for (size_t i = 0; i < image.size(); ++i) image.data()[i] = static_cast<std::uint8_t>((i * 53 + 17) % 256);
  const CropBox box{2, 1, 5, 4};
  const int out_width = 3, out_height = 6;  // non-integer scales on both axes, down and up
  // Output pixel centre i sits at source position (i + 0.5) * in / out - 0.5, clamped to the crop.
  auto source = [](int i, int in, int out) { return std::clamp((i + 0.5) * in / out - 0.5, 0.0, in - 1.0); };
  auto cropped = [&](int x, int y, int c) { return image.pixel(box.x + x, box.y + y)[c] / 255.0; };
  std::vector<double> expected;
  for (int y = 0; y < out_height; ++y) {
    const double sy = source(y, box.height, out_height);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, box.height - 1);
    for (int x = 0; x < out_width; ++x) {
      const double sx = source(x, box.width, out_width);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, box.width - 1);
      for (int c = 0; c < 3; ++c) {
        const double top = cropped(x0, y0, c) + (sx - x0) * (cropped(x1, y0, c) - cropped(x0, y0, c));
        const double bottom = cropped(x0, y1, c) + (sx - x0) * (cropped(x1, y1, c) - cropped(x0, y1, c));
        expected.push_back(top + (sy - y0) * (bottom - top));
      }
    }
  }
  const Tensor out = preprocess_image(image, {.width = out_width, .height = out_height, .crop = box});
  CHECK(out.shape() == Shape::nhwc(1, out_height, out_width, 3));
  check_values(out, expected, 1e-6);
}

TEST_CASE("preprocess reuses the output tensor's storage") {
  const Image image = image_from(2, 2, 3, std::vector<int>(12, 255));
  Tensor out(Shape::nhwc(1, 64, 64, 3));
  const float* storage = out.data();
  preprocess_image(out, image, emotion_spec(5, 4));
  CHECK(out.shape() == Shape::nhwc(1, 4, 5, 1));
  CHECK(out.data() == storage);
}

TEST_CASE("a crop box outside the image is an Error that shows the box and the image size") {
  const Image image = image_from(4, 3, 3, std::vector<int>(36, 0));
  auto spec_with = [](CropBox box) { return PreprocessSpec{.width = 2, .height = 2, .crop = box}; };
  CHECK_THROWS_WITH_AS(preprocess_image(image, spec_with({3, 0, 2, 1})),
                       doctest::Contains("the crop box x=3 y=0 width=2 height=1 is not inside the 4x3 image (it spans "
                                         "x 3 to 5, y 0 to 1); a box needs width and height >= 1, x >= 0, y >= 0, "
                                         "x + width <= 4 and y + height <= 3"),
                       Error);
  CHECK_THROWS_WITH_AS(preprocess_image(image, spec_with({0, 2, 1, 2})), doctest::Contains("y 2 to 4"), Error);
  CHECK_THROWS_WITH_AS(preprocess_image(image, spec_with({-1, 0, 2, 2})), doctest::Contains("crop box x=-1"), Error);
  CHECK_THROWS_WITH_AS(preprocess_image(image, spec_with({1, 1, 0, 1})), doctest::Contains("width=0"), Error);
  CHECK_NOTHROW(preprocess_image(image, spec_with({0, 0, 4, 3})));
}

TEST_CASE("a bad spec or an empty image is an Error saying what to set") {
  const Image image = image_from(2, 2, 3, std::vector<int>(12, 0));
  CHECK_THROWS_WITH_AS(preprocess_image(image, emotion_spec(0, 64)),
                       doctest::Contains("the model input size is 0x64 (width x height)"), Error);
  PreprocessSpec spec{.width = 2, .height = 2, .scaling = ValueScaling::mean_std, .std = {1.0f, 0.0f, 1.0f}};
  CHECK_THROWS_WITH_AS(preprocess_image(image, spec), doctest::Contains("std[1] is 0"), Error);
  spec.color = ColorMode::gray;  // gray reads std[0] only
  CHECK_NOTHROW(preprocess_image(image, spec));
  CHECK_THROWS_WITH_AS(preprocess_image(Image(), emotion_spec(2, 2)), doctest::Contains("the image is empty"), Error);
}

TEST_CASE("crop_image copies the box's pixels and refuses a box outside the image") {
  // 4x3 RGBA, each pixel's bytes are (10 * y + x, 1, 2, 3).
  Image image(4, 3, 4);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 4; ++x) {
      std::uint8_t* p = image.pixel(x, y);
      p[0] = static_cast<std::uint8_t>(10 * y + x), p[1] = 1, p[2] = 2, p[3] = 3;
    }
  }
  const Image crop = crop_image(image, {1, 1, 3, 2});
  CHECK(crop.width() == 3);
  CHECK(crop.height() == 2);
  CHECK(crop.channels() == 4);
  const std::vector<int> firsts{crop.pixel(0, 0)[0], crop.pixel(2, 0)[0], crop.pixel(0, 1)[0], crop.pixel(2, 1)[0]};
  CHECK(firsts == std::vector<int>{11, 13, 21, 23});
  CHECK(crop.pixel(2, 1)[3] == 3);
  CHECK_THROWS_WITH_AS(crop_image(image, {2, 0, 3, 1}), doctest::Contains("crop_image: the crop box x=2 y=0 width=3"),
                       Error);
  CHECK_THROWS_WITH_AS(crop_image(Image(), {0, 0, 1, 1}), doctest::Contains("crop_image: the image is empty"), Error);
}

namespace {

// The plain loop: every source pixel of the box adds its share of each output pixel it overlaps.
std::vector<double> area_average(const Image& image, const CropBox& box, int width, int height) {
  const int channels = image.channels();
  std::vector<double> out(static_cast<size_t>(width) * height * channels, 0.0);
  const double sx = static_cast<double>(box.width) / width, sy = static_cast<double>(box.height) / height;
  auto overlap = [](double a0, double a1, double b0, double b1) { return std::max(0.0, std::min(a1, b1) - std::max(a0, b0)); };
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int v = 0; v < box.height; ++v)
        for (int u = 0; u < box.width; ++u) {
          const double share = overlap(x * sx, (x + 1) * sx, u, u + 1) * overlap(y * sy, (y + 1) * sy, v, v + 1) / (sx * sy);
          for (int c = 0; c < channels; ++c)
            out[(static_cast<size_t>(y) * width + x) * channels + c] += share * image.pixel(box.x + u, box.y + v)[c];
        }
  return out;
}

}  // namespace

TEST_CASE("crop_image to a smaller size averages the area each pixel covers, as the plain loop does") {
  Image image(23, 17, 3);
  for (size_t i = 0; i < image.size(); ++i) image.data()[i] = static_cast<std::uint8_t>(i * 97 % 256);
  const CropBox box{2, 3, 19, 13};
  for (const std::pair<int, int> size : {std::pair{19, 13}, {10, 7}, {7, 13}, {19, 2}, {6, 5}, {1, 1}}) {
    const int width = size.first, height = size.second;
    CAPTURE(width);
    CAPTURE(height);
    const Image shrunk = crop_image(image, box, width, height);
    REQUIRE(shrunk.width() == width);
    REQUIRE(shrunk.height() == height);
    const std::vector<double> expected = area_average(image, box, width, height);
    for (size_t i = 0; i < expected.size(); ++i) {
      CAPTURE(i);
      CHECK(std::abs(shrunk.data()[i] - expected[i]) <= 0.5 + 1e-3);  // rounded to the nearest byte
    }
  }
  // Whole multiples average plain blocks: 2x2 -> 1 of 10, 20, 30, 41 is 25.25, rounded 25.
  Image block(2, 2, 1);
  const std::uint8_t values[] = {10, 20, 30, 41};
  std::copy(values, values + 4, block.data());
  CHECK(crop_image(block, {0, 0, 2, 2}, 1, 1).data()[0] == 25);
  // White stays white: the shares sum to 1 up to rounding and nothing wraps past 255.
  Image white(9, 9, 3);
  std::fill(white.data(), white.data() + white.size(), std::uint8_t{255});
  const Image shrunk_white = crop_image(white, {0, 0, 9, 9}, 4, 4);
  CHECK(std::all_of(shrunk_white.data(), shrunk_white.data() + shrunk_white.size(), [](std::uint8_t v) { return v == 255; }));
  CHECK_THROWS_WITH_AS(crop_image(image, box, 20, 13), doctest::Contains("cannot shrink a 19x13 box to 20x13"), Error);
  CHECK_THROWS_WITH_AS(crop_image(image, box, 0, 5), doctest::Contains("the size must be from 1x1"), Error);
}
