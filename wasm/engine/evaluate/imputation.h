#pragma once
// Noisy linear imputation (Rong et al. 2022, ROAD; pytorch-grad-cam's metrics/road.py): every
// removed pixel becomes the weighted mean of its 8 neighbours (edge neighbours 1/6, diagonal ones
// 1/12, neighbours outside the image left out), removed neighbours included, so all removed pixels
// are solved together as one sparse linear system, channel by channel; then Gaussian noise is added
// to the removed pixels.
#include <cstdint>
#include <span>

#include "core/tensor.h"
#include "explain/input_space.h"

namespace camlens::evaluate {

// `image` [1, H, W, C] with the pixels flagged in `removed` (H * W, row-major, non-zero: removed)
// replaced by the solution of the system, without noise. Throws an Error when every pixel is
// removed: nothing is left to impute from.
Tensor linear_imputation(const Tensor& image, std::span<const std::uint8_t> removed);

// linear_imputation plus noise * N(0, 1) on every channel of every removed pixel.
Tensor noisy_linear_imputation(const Tensor& image, std::span<const std::uint8_t> removed, float noise,
                               explain::NormalNoise& normal);

}  // namespace camlens::evaluate
