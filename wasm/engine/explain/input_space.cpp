#include "explain/input_space.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.h"

namespace camlens::explain {

namespace {

// One channel's affine map level -> value: value = level * gain + shift.
struct Affine {
  float gain, shift;
};

Affine channel_affine(const ModelMetadata& m, int channel) {
  if (m.scaling == InputScaling::scale_offset) return {m.scale, m.offset};
  if (channel < 0 || channel > 2) fail("explain: input channel ", channel, " has no mean and std; the metadata gives 3");
  return {1.0f / m.std[channel], -m.mean[channel] / m.std[channel]};
}

std::vector<float> gaussian_kernel(float sigma) {
  const int radius = static_cast<int>(std::ceil(3.0f * sigma));
  std::vector<float> kernel(2 * radius + 1);
  double total = 0.0;
  for (int i = -radius; i <= radius; ++i) total += kernel[i + radius] = std::exp(-0.5f * i * i / (sigma * sigma));
  for (float& k : kernel) k = static_cast<float>(k / total);
  return kernel;
}

// One pass of the separable blur along rows (vertical: along columns), edges replicated.
void blur_axis(Tensor& out, const Tensor& in, const std::vector<float>& kernel, bool vertical) {
  const Shape& s = in.shape();
  const int radius = static_cast<int>(kernel.size() / 2);
  const int height = s.h(), width = s.w(), channels = s.c();
  for (int n = 0; n < s.n(); ++n) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        for (int c = 0; c < channels; ++c) {
          float sum = 0.0f;
          for (int i = -radius; i <= radius; ++i) {
            const int sy = vertical ? std::clamp(y + i, 0, height - 1) : y;
            const int sx = vertical ? x : std::clamp(x + i, 0, width - 1);
            sum += kernel[i + radius] * in.at(n, sy, sx, c);
          }
          out.at(n, y, x, c) = sum;
        }
      }
    }
  }
}

}  // namespace

float preprocessed_level(const ModelMetadata& metadata, float level, int channel) {
  const Affine a = channel_affine(metadata, channel);
  return level * a.gain + a.shift;
}

float level_of_value(const ModelMetadata& metadata, float value, int channel) {
  const Affine a = channel_affine(metadata, channel);
  return (value - a.shift) / a.gain;
}

Tensor constant_level(const ModelMetadata& metadata, const Shape& shape, float level) {
  Tensor out(shape);
  const int channels = shape.c();
  for (size_t i = 0; i < out.size(); ++i) out[i] = preprocessed_level(metadata, level, static_cast<int>(i % channels));
  return out;
}

void gaussian_blur(Tensor& out, const Tensor& in, float sigma) {
  if (in.shape().rank() != 4) fail("explain: gaussian_blur needs an NHWC tensor, got ", in.shape().str());
  out.reshape_storage(in.shape());
  if (sigma <= 0.0f) {
    std::copy(in.values().begin(), in.values().end(), out.data());
    return;
  }
  const std::vector<float> kernel = gaussian_kernel(sigma);
  Tensor rows(in.shape());
  blur_axis(rows, in, kernel, /*vertical=*/false);
  blur_axis(out, rows, kernel, /*vertical=*/true);
}

float NormalNoise::uniform_open() {
  // 24 random bits, offset by half a step: never 0, never 1.
  return (static_cast<float>(engine_() >> 8) + 0.5f) * (1.0f / 16777216.0f);
}

float NormalNoise::next() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const float radius = std::sqrt(-2.0f * std::log(uniform_open()));
  const float angle = 2.0f * std::numbers::pi_v<float> * uniform_open();
  spare_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

Map channel_max_abs(const Tensor& values, int item) {
  const Shape& s = values.shape();
  Map map(s.h(), s.w());
  const int channels = s.c();
  const float* v = values.data() + static_cast<size_t>(item) * map.values.size() * channels;
  for (size_t p = 0; p < map.values.size(); ++p) {
    float largest = 0.0f;
    for (int c = 0; c < channels; ++c) largest = std::max(largest, std::abs(v[p * channels + c]));
    map.values[p] = largest;
  }
  return map;
}

Map channel_sum(const Tensor& values, int item) {
  const Shape& s = values.shape();
  Map map(s.h(), s.w());
  const int channels = s.c();
  const float* v = values.data() + static_cast<size_t>(item) * map.values.size() * channels;
  for (size_t p = 0; p < map.values.size(); ++p) {
    float sum = 0.0f;
    for (int c = 0; c < channels; ++c) sum += v[p * channels + c];
    map.values[p] = sum;
  }
  return map;
}

float value_range(const Tensor& values) {
  if (values.empty()) return 0.0f;
  const auto [lo, hi] = std::minmax_element(values.values().begin(), values.values().end());
  return *hi - *lo;
}

}  // namespace camlens::explain
