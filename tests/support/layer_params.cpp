#include "support/layer_params.h"

#include <cmath>

namespace camlens::test {

Tensor random_weights(Rng& rng, const Shape& shape, int fan_in) {
  const float scale = std::sqrt(6.0f / static_cast<float>(fan_in));
  return rng.tensor(shape, -scale, scale);
}

}  // namespace camlens::test
