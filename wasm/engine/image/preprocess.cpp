#include "image/preprocess.h"

#include <algorithm>
#include <cmath>
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

// How one axis of in_size pixels shrinks to out_size: output i covers [i * scale, (i + 1) * scale)
// of the source (scale = in_size / out_size), and each source pixel in it counts by its overlap.
struct AreaTaps {
  std::vector<int> first;  // per output: its first source pixel
  std::vector<int> count;  // per output: how many source pixels it reads
  std::vector<int> start;  // per output: where its weights begin in `weights`
  std::vector<float> weights;
};

AreaTaps area_taps(int in_size, int out_size) {
  AreaTaps taps;
  const double scale = static_cast<double>(in_size) / out_size;
  for (int i = 0; i < out_size; ++i) {
    const double begin = i * scale, end = (i + 1) * scale;
    const int first = static_cast<int>(begin);
    const int last = std::min(in_size, static_cast<int>(std::ceil(end)));
    taps.first.push_back(first);
    taps.count.push_back(last - first);
    taps.start.push_back(static_cast<int>(taps.weights.size()));
    for (int j = first; j < last; ++j) {
      const double overlap = std::min<double>(j + 1, end) - std::max<double>(j, begin);
      taps.weights.push_back(static_cast<float>(overlap / scale));
    }
  }
  return taps;
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

Image crop_image(const Image& image, const CropBox& box, int width, int height) {
  if (width == box.width && height == box.height) return crop_image(image, box);
  if (image.empty()) fail("crop_image: the image is empty; decode one first");
  check_crop_box(image, box, "crop_image");
  if (width <= 0 || height <= 0 || width > box.width || height > box.height) {
    fail("crop_image: cannot shrink a ", box.width, "x", box.height, " box to ", width, "x", height,
         "; the size must be from 1x1 to the box's own");
  }
  const AreaTaps rows = area_taps(box.height, height), cols = area_taps(box.width, width);
  const int channels = image.channels();
  Image out(width, height, channels);
  std::vector<float> sums(static_cast<size_t>(width) * channels);
  for (int y = 0; y < height; ++y) {
    std::fill(sums.begin(), sums.end(), 0.0f);
    for (int k = 0; k < rows.count[y]; ++k) {
      const float row_weight = rows.weights[rows.start[y] + k];
      const std::uint8_t* source = image.pixel(box.x, box.y + rows.first[y] + k);
      for (int x = 0; x < width; ++x) {
        float* sum = sums.data() + static_cast<size_t>(x) * channels;
        for (int t = 0; t < cols.count[x]; ++t) {
          const float weight = row_weight * cols.weights[cols.start[x] + t];
          const std::uint8_t* pixel = source + static_cast<size_t>(cols.first[x] + t) * channels;
          for (int c = 0; c < channels; ++c) sum[c] += weight * pixel[c];
        }
      }
    }
    std::uint8_t* row = out.pixel(0, y);
    for (size_t i = 0; i < sums.size(); ++i) row[i] = static_cast<std::uint8_t>(std::min(255.0f, sums[i] + 0.5f));
  }
  return out;
}

void preprocess_image(Tensor& out, const Image& image, const PreprocessSpec& spec) {
  check_spec(image, spec);
  const CropBox box = checked_crop(image, spec.crop, "preprocess_image");
  const std::vector<BilinearTap> rows = bilinear_taps(box.height, spec.height);
  const std::vector<BilinearTap> cols = bilinear_taps(box.width, spec.width);
  const bool gray_out = spec.color == ColorMode::gray;
  const bool bgr_out = spec.color == ColorMode::bgr;
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
        for (int c = 0; c < 3; ++c) *o++ = scaled(v[colours == 1 ? 0 : bgr_out ? 2 - c : c], c);
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
