#include "layers/layer.h"

#include <limits>

#include "core/error.h"
#include "kernels/parallel.h"

namespace camlens {

void Layer::forward_relu(Tensor&, Inputs, Phase, float cap) {
  fail(kind(), " '", name(), "' cannot apply a ReLU capped at ", cap, " in its own pass; check fuses_relu first");
}

void Layer::expect_input_count(size_t given) const {
  int expected = input_count();
  if (expected < 0 ? given == 0 : given != static_cast<size_t>(expected)) {
    fail(kind(), " '", name(), "' takes ", expected < 0 ? "one or more" : std::to_string(expected),
         " input(s), got ", given);
  }
}

float activation_cap(Activation activation) {
  return activation == Activation::relu6 ? 6.0f : std::numeric_limits<float>::infinity();
}

void activation_backward(float* masked, const float* grad, const float* out, size_t count, float cap,
                         ReluBackward mode) {
  with_relu_mode(mode, [&]<ReluBackward fixed>() {
    // Pointers captured by value and grad[i] read whatever the mask says, so that the loop compiles
    // to vector selects instead of a branchy scalar loop that reloads the pointers every step.
    kernels::parallel_ranges(count, kernels::kChannelGranule, count, [=](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const float g = grad[i];
        masked[i] = relu_passes<fixed>(out[i], g, cap) ? g : 0.0f;
      }
    });
  });
}

}  // namespace camlens
