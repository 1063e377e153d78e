#pragma once
// Maps every faithfulness table sets a method against: a map that knows nothing (uniform noise) and
// one that knows the image but not the model (its edges). A method that does no better than these
// does not explain the model.
#include <cstdint>

#include "core/tensor.h"
#include "explain/map.h"

namespace camlens::evaluate {

// height x width values uniform in [0, 1), seeded: the same map natively and in WebAssembly.
explain::Map random_map(int height, int width, std::uint64_t seed);

// The Sobel gradient magnitude of `input` ([1, H, W, C], the model's input values), sqrt of the sum
// over channels of gx^2 + gy^2 with edges replicated, min-max normalised to [0, 1).
explain::Map sobel_map(const Tensor& input);

}  // namespace camlens::evaluate
