#include "layers/dropout.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

std::vector<float> backward_of(Dropout& dropout, const Tensor& x, const Tensor& y, const Tensor& g) {
  Tensor d_x(x.shape());
  Tensor* d_in[] = {&d_x};
  const Tensor* in[] = {&x};
  dropout.backward(d_in, g, in, y, {});
  return {d_x.values().begin(), d_x.values().end()};
}

}  // namespace

TEST_CASE("Dropout is the identity in inference, forward and backward") {
  Rng rng(121);
  Tensor x = rng.tensor(Shape::nhwc(2, 3, 3, 5));
  Dropout dropout("drop", 0.5f);
  Tensor y = run_forward(dropout, {&x});
  CHECK(max_abs_diff(y, x) == 0.0f);
  Tensor g = rng.tensor(x.shape());
  CHECK(backward_of(dropout, x, y, g) == std::vector<float>(g.values().begin(), g.values().end()));
}

TEST_CASE("Dropout in training drops about `rate` of the inputs and scales the rest") {
  Tensor x(Shape{4, 2500});
  x.fill(1.0f);
  const float rate = 0.3f;
  Dropout dropout("drop", rate, /*seed=*/7);
  Tensor y = run_forward(dropout, {&x}, Phase::training);
  size_t dropped = 0;
  for (float v : y.values()) {
    if (v == 0.0f) {
      ++dropped;
    } else {
      CHECK(v == doctest::Approx(1.0f / (1.0f - rate)));
    }
  }
  // 10000 Bernoulli(0.3) draws: the standard deviation of the fraction is 0.0046; allow 0.02.
  CHECK(std::fabs(static_cast<double>(dropped) / y.size() - rate) < 0.02);
}

TEST_CASE("Dropout backward applies the forward mask and scale") {
  Rng rng(122);
  Tensor x = rng.tensor(Shape{2, 50}, 0.5f, 1.0f);  // never zero: a zero output means dropped
  Dropout dropout("drop", 0.4f, 3);
  Tensor y = run_forward(dropout, {&x}, Phase::training);
  Tensor g = rng.tensor(x.shape());
  std::vector<float> d_x = backward_of(dropout, x, y, g);
  for (size_t i = 0; i < x.size(); ++i) {
    // out = x * mask, so d_in = g * mask = g * out / x.
    CHECK(d_x[i] == doctest::Approx(g[i] * y[i] / x[i]));
  }
}

TEST_CASE("Dropout masks are deterministic per seed and fresh on each training forward") {
  Rng rng(123);
  Tensor x = rng.tensor(Shape{1, 64}, 0.5f, 1.0f);
  Dropout a("a", 0.5f, 11), b("b", 0.5f, 11), other_seed("c", 0.5f, 12);
  Tensor a1 = run_forward(a, {&x}, Phase::training);
  Tensor a2 = run_forward(a, {&x}, Phase::training);
  Tensor b1 = run_forward(b, {&x}, Phase::training);
  Tensor b2 = run_forward(b, {&x}, Phase::training);
  Tensor c1 = run_forward(other_seed, {&x}, Phase::training);
  CHECK(max_abs_diff(a1, b1) == 0.0f);
  CHECK(max_abs_diff(a2, b2) == 0.0f);
  CHECK(max_abs_diff(a1, a2) > 0.0f);
  CHECK(max_abs_diff(a1, c1) > 0.0f);
}

TEST_CASE("Dropout rejects rates outside [0, 1)") {
  CHECK_THROWS_WITH_AS(Dropout("drop", 1.0f), doctest::Contains("Dropout 'drop': rate must lie in [0, 1), got 1"),
                       Error);
  CHECK_THROWS_AS(Dropout("drop", -0.1f), Error);
}
