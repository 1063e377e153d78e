#include "layers/max_pool.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"
#include "support/reference_check.h"

using namespace camlens;
using namespace camlens::test;

namespace {

std::vector<float> as_vector(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

Window2D window(int size, int stride, PaddingMode mode, Padding pads = {}) {
  Window2D w = Window2D::square(size, stride, mode);
  w.explicit_padding = pads;
  return w;
}

// Distinct values 0.05 apart in shuffled order: a finite-difference nudge of 0.01 never changes
// which pixel of a window is the maximum, so max pooling is differentiable at every sample.
Tensor distinct_values(const Shape& shape, uint32_t seed) {
  std::vector<int> order(shape.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  Tensor t(shape);
  for (size_t i = 0; i < t.size(); ++i) t[i] = 0.05f * (static_cast<float>(order[i]) - t.size() / 2.0f);
  return t;
}

}  // namespace

TEST_CASE("MaxPool forward and backward on a hand-worked SAME case") {
  // 3x3 input, 2x2 window, stride 2, SAME: one pad row at the bottom, one pad column at the right.
  Tensor x(Shape::nhwc(1, 3, 3, 1), std::vector<float>{1, 5, 2, 4, 3, 9, 7, 8, 6});
  MaxPool pool("pool", window(2, 2, PaddingMode::same));
  Tensor y = run_forward(pool, {&x});
  CHECK(y.shape() == Shape::nhwc(1, 2, 2, 1));
  CHECK(as_vector(y) == std::vector<float>{5, 9, 8, 6});

  Tensor d_y(y.shape(), std::vector<float>{1, 2, 3, 4});
  Tensor d_x(x.shape());
  Tensor* d_in[] = {&d_x};
  const Tensor* in[] = {&x};
  pool.backward(d_in, d_y, in, y, {});
  CHECK(as_vector(d_x) == std::vector<float>{0, 1, 0, 0, 0, 2, 0, 3, 4});
}

TEST_CASE("MaxPool treats padding as absent, even where every input is negative") {
  Tensor x(Shape::nhwc(1, 2, 2, 1), std::vector<float>{-4, -3, -2, -1});
  MaxPool pool("pool", window(3, 1, PaddingMode::explicit_pads, {1, 1, 1, 1}));
  CHECK(as_vector(run_forward(pool, {&x})) == std::vector<float>{-1, -1, -1, -1});
}

TEST_CASE("MaxPool backward matches finite differences away from ties") {
  struct Case {
    Shape shape;
    Window2D window;
  };
  const Case cases[] = {
      {Shape::nhwc(2, 7, 5, 3), window(3, 2, PaddingMode::same)},  // odd sizes, stride 2, batch 2
      {Shape::nhwc(1, 8, 6, 5), window(3, 2, PaddingMode::same)},  // SAME pads 0 top / 1 bottom
      {Shape::nhwc(1, 5, 5, 1), window(2, 1, PaddingMode::valid)},  // 1 channel, overlapping windows
      {Shape::nhwc(2, 6, 7, 6), window(2, 2, PaddingMode::explicit_pads, {1, 0, 0, 1})},
  };
  uint32_t seed = 41;
  for (const Case& c : cases) {
    CAPTURE(c.shape.str());
    Tensor x = distinct_values(c.shape, seed++);
    MaxPool pool("pool", c.window);
    // Max pooling is piecewise linear: away from ties the differences are exact up to float
    // rounding, so the default tolerance (abs 2e-3, rel 1e-2, eps 1e-2) is loose.
    check_input_gradient(pool, {&x}, 0);
  }
}

TEST_CASE("MaxPool optimised path matches the forced reference") {
  Tensor x = distinct_values(Shape::nhwc(2, 15, 15, 17), 45);
  MaxPool pool("pool", window(3, 2, PaddingMode::same));
  // Max pooling copies values: both paths must agree exactly.
  check_optimised_matches_reference(pool, {&x}, 0.0f);
}

TEST_CASE("MaxPool rejects inputs it cannot pool, naming the layer and shapes") {
  MaxPool pool("pool", window(3, 2, PaddingMode::valid));
  const Shape flat[] = {Shape{2, 10}};
  CHECK_THROWS_WITH_AS(pool.output_shape(flat), doctest::Contains("MaxPool 'pool' takes an NHWC rank-4 input, got [2, 10]"),
                       Error);
  const Shape tiny[] = {Shape::nhwc(1, 2, 2, 3)};
  CHECK_THROWS_WITH_AS(pool.output_shape(tiny), doctest::Contains("does not fit a 2x2 input"), Error);
  MaxPool padded("padded", window(2, 1, PaddingMode::explicit_pads, {2, 0, 0, 0}));
  const Shape image[] = {Shape::nhwc(1, 4, 4, 1)};
  CHECK_THROWS_WITH_AS(padded.output_shape(image), doctest::Contains("must be smaller than the 2x2 window"), Error);
}
