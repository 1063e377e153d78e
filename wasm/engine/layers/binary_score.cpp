#include "layers/binary_score.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace camlens {

namespace {

float clamped(float score) { return std::clamp(score, kScoreFloor, 1.0f - kScoreFloor); }

}  // namespace

void binary_score_forward(Tensor& out, const Tensor& in) {
  const float* s = in.data();
  float* y = out.data();
  for (size_t n = 0; n < in.size(); ++n) {
    const double p = clamped(s[n]);
    const float half_log_odds = static_cast<float>(0.5 * std::log(p / (1.0 - p)));
    y[2 * n] = -half_log_odds;
    y[2 * n + 1] = half_log_odds;
  }
}

void binary_score_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in) {
  const float* s = in.data();
  const float* g = d_out.data();
  float* ds = d_in.data();
  for (size_t n = 0; n < in.size(); ++n) {
    const double p = clamped(s[n]);
    ds[n] += static_cast<float>((g[2 * n + 1] - g[2 * n]) / (2.0 * p * (1.0 - p)));
  }
}

Shape BinaryScore::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  if (in.rank() != 2 || in[1] != 1) {
    fail("BinaryScore '", name(), "': needs one score per item ([N, 1]), got ", in.str(),
         "; a model with \"output\": \"score\" must end in a single value");
  }
  return Shape{in[0], 2};
}

void BinaryScore::forward(Tensor& out, Inputs in, Phase) { binary_score_forward(out, *in[0]); }

void BinaryScore::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor&, const BackwardRequest&) {
  if (d_in[0] != nullptr) binary_score_backward(*d_in[0], d_out, *in[0]);
}

}  // namespace camlens
