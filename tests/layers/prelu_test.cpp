#include "layers/prelu.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

// The plain loop PReLU is specified by: channel c of every position scales its negatives by alpha[c].
Tensor reference_prelu(const Tensor& x, const std::vector<float>& alpha) {
  Tensor y(x.shape());
  const int channels = x.shape().c();
  for (size_t i = 0; i < x.size(); ++i) {
    const float a = alpha.size() == 1 ? alpha[0] : alpha[i % channels];
    y[i] = x[i] > 0 ? x[i] : a * x[i];
  }
  return y;
}

}  // namespace

TEST_CASE("PReLU forward: per-channel and shared slopes, against a plain loop and by hand") {
  Tensor x(Shape::nhwc(1, 1, 2, 3), std::vector<float>{-1, 2, -4, 0.5f, -2, 0});
  Prelu per_channel("p", {0.5f, -1.0f, 0.25f});
  Tensor y = run_forward(per_channel, {&x});
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) == std::vector<float>{-0.5f, 2, -1, 0.5f, 2, 0});
  CHECK(std::string(per_channel.kind()) == "PReLU");

  Rng rng(41);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 4), Shape{3, 7}}) {
    Tensor r = rng.tensor(shape, -3.0f, 3.0f);
    for (std::vector<float> alpha : {std::vector<float>{0.2f}, std::vector<float>(shape.c())}) {
      for (size_t c = 0; c < alpha.size() && alpha.size() > 1; ++c) alpha[c] = rng.uniform(-1.0f, 1.0f);
      Prelu layer("p", alpha);
      CHECK(max_abs_diff(run_forward(layer, {&r}), reference_prelu(r, alpha)) == 0.0f);
    }
  }
}

TEST_CASE("PReLU backward matches finite differences away from the kink and accumulates") {
  Rng rng(42);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 3), Shape{2, 9}}) {
    Tensor x = rng.tensor(shape, -3.0f, 3.0f);
    for (float& v : x.values()) {
      if (std::fabs(v) < 0.1f) v += 0.3f;  // ten steps away from the kink at 0
    }
    std::vector<float> alpha(shape.c());
    for (float& a : alpha) a = rng.uniform(-1.0f, 1.0f);
    Prelu layer("p", alpha);
    check_input_gradient(layer, {&x}, 0);
  }
  Tensor x(Shape{1, 2}, std::vector<float>{1, -2});
  Tensor g(Shape{1, 2}, std::vector<float>{1, 1});
  Prelu layer("p", {0.5f, 0.25f});
  Tensor y = run_forward(layer, {&x});
  Tensor d(Shape{1, 2}, std::vector<float>{10, 20});
  Tensor* d_in[] = {&d};
  const Tensor* in[] = {&x};
  layer.backward(d_in, g, in, y, {});
  CHECK(d[0] == 11.0f);
  CHECK(d[1] == 20.25f);
}

TEST_CASE("PReLU rejects slope counts that are neither 1 nor the channel count") {
  Prelu layer("slopes", {0.1f, 0.2f});
  const Shape in[] = {Shape::nhwc(1, 4, 4, 3)};
  CHECK_THROWS_WITH_AS(layer.output_shape(in),
                       doctest::Contains("PReLU 'slopes': alpha has 2 values; input [1, 4, 4, 3] needs 1 or 3"), Error);
  CHECK_THROWS_WITH_AS(Prelu("none", {}), doctest::Contains("PReLU 'none' needs at least one alpha value"), Error);
}
