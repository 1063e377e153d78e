#pragma once
// The model input's value space, as the model's preprocessing metadata defines it, and what the
// per-pixel methods share there: the value a pixel level becomes (black, mid-gray), the way back to
// 0..1, a Gaussian blur, platform-independent seeded noise, and the reductions of an input-shaped
// tensor to a map.
//
// A "level" is a pixel value on 0..1 in every colour channel (0 black, 0.5 mid-gray, 1 white),
// before the model's scaling; a "value" is what the model reads after it.
#include <cstdint>
#include <random>

#include "core/tensor.h"
#include "explain/map.h"
#include "io/metadata.h"

namespace camlens::explain {

// `level` after the model's scaling, in input channel `channel` (gray inputs use the first mean/std).
float preprocessed_level(const ModelMetadata& metadata, float level, int channel);
// The inverse: the level (0..1, unclamped) a model value stands for.
float level_of_value(const ModelMetadata& metadata, float value, int channel);
// A tensor of `shape` (NHWC) whose every pixel is `level`, preprocessed channel by channel.
Tensor constant_level(const ModelMetadata& metadata, const Shape& shape, float level);

// Gaussian blur (sigma in pixels) of every item and channel of an NHWC tensor: separable, kernel
// radius ceil(3 sigma), normalised to sum 1, edges replicated. sigma <= 0 copies. `out` may not
// alias `in`.
void gaussian_blur(Tensor& out, const Tensor& in, float sigma);

// Standard normal samples by Box-Muller from a seeded std::mt19937, whose output the standard
// fixes: the same sequence natively and in WebAssembly (std::normal_distribution differs between
// standard libraries).
class NormalNoise {
 public:
  explicit NormalNoise(std::uint32_t seed) : engine_(seed) {}
  float next();

 private:
  float uniform_open();  // in (0, 1)
  std::mt19937 engine_;
  float spare_ = 0.0f;
  bool has_spare_ = false;
};

// Item `item` of an input-shaped tensor [N, H, W, C] reduced over channels to an H x W map.
Map channel_max_abs(const Tensor& values, int item);  // max_c |v|: Simonyan et al.'s saliency
Map channel_sum(const Tensor& values, int item);      // sum_c v

// max - min over every element (0 for an empty or constant tensor).
float value_range(const Tensor& values);

}  // namespace camlens::explain
