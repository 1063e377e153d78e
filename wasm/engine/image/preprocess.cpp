#include "image/preprocess.h"

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "image/resize.h"

namespace camlens {

namespace {

void check_spec(const Image& image, const PreprocessSpec& spec) {
  if (image.empty()) fail("preprocess_image: the image is empty; decode one first");
  if (spec.width <= 0 || spec.height <= 0) {
    fail("preprocess_image: the model input size is ", spec.width, "x", spec.height,
         " (width x height); set PreprocessSpec::width and height from the model's input shape");
  }
  if (spec.scaling == ValueScaling::mean_std) {
    const int used = spec.color == ColorMode::gray ? 1 : 3;
    for (int c = 0; c < used; ++c) {
      if (spec.std[c] == 0.0f) fail("preprocess_image: std[", c, "] is 0; mean/std scaling divides by it");
    }
  }
}

CropBox checked_crop(const Image& image, const std::optional<CropBox>& crop, std::string_view caller) {
  if (!crop) return CropBox{0, 0, image.width(), image.height()};
  check_crop_box(image, *crop, caller);
  return *crop;
}

}  // namespace

void check_crop_box(const Image& image, const CropBox& box, std::string_view caller) {
  const std::int64_t right = std::int64_t{box.x} + box.width, bottom = std::int64_t{box.y} + box.height;
  if (box.width <= 0 || box.height <= 0 || box.x < 0 || box.y < 0 || right > image.width() ||
      bottom > image.height()) {
    fail(caller, ": the crop box x=", box.x, " y=", box.y, " width=", box.width, " height=", box.height,
         " is not inside the ", image.width(), "x", image.height(), " image (it spans x ", box.x, " to ", right,
         ", y ", box.y, " to ", bottom, "); a box needs width and height >= 1, x >= 0, y >= 0, x + width <= ",
         image.width(), " and y + height <= ", image.height());
  }
}

Image crop_image(const Image& image, const CropBox& box) {
  if (image.empty()) fail("crop_image: the image is empty; decode one first");
  check_crop_box(image, box, "crop_image");
  Image out(box.width, box.height, image.channels());
  for (int y = 0; y < box.height; ++y) std::memcpy(out.pixel(0, y), image.pixel(box.x, box.y + y), out.row_size());
  return out;
}

void preprocess_image(Tensor& out, const Image& image, const PreprocessSpec& spec) {
  check_spec(image, spec);
  const CropBox box = checked_crop(image, spec.crop, "preprocess_image");
  const std::vector<BilinearTap> rows = bilinear_taps(box.height, spec.height);
  const std::vector<BilinearTap> cols = bilinear_taps(box.width, spec.width);
  const bool gray_out = spec.color == ColorMode::gray;
  out.reshape_storage(Shape::nhwc(1, spec.height, spec.width, gray_out ? 1 : 3));

  auto scaled = [&spec](float v, int c) {
    return spec.scaling == ValueScaling::scale_offset ? v * spec.scale + spec.offset : (v - spec.mean[c]) / spec.std[c];
  };
  const int stride = image.channels();
  const int colours = stride == 1 ? 1 : 3;  // alpha is never read
  const std::array<float, 3>& weight = spec.gray_weights;
  float* o = out.data();
  for (const BilinearTap& row : rows) {
    const std::uint8_t* top = image.pixel(box.x, box.y + row.lower);
    const std::uint8_t* bottom = image.pixel(box.x, box.y + row.upper);
    for (const BilinearTap& col : cols) {
      const int left = col.lower * stride, right = col.upper * stride;
      std::array<float, 3> v{};
      for (int c = 0; c < colours; ++c) {
        v[c] = bilinear_mix(top[left + c], top[right + c], bottom[left + c], bottom[right + c], col.frac, row.frac) /
               255.0f;
      }
      if (gray_out) {
        *o++ = scaled(colours == 1 ? v[0] : weight[0] * v[0] + weight[1] * v[1] + weight[2] * v[2], 0);
      } else {
        for (int c = 0; c < 3; ++c) *o++ = scaled(v[colours == 1 ? 0 : c], c);
      }
    }
  }
}

Tensor preprocess_image(const Image& image, const PreprocessSpec& spec) {
  Tensor out;
  preprocess_image(out, image, spec);
  return out;
}

}  // namespace camlens
