#include "layers/concatenate.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {
std::vector<float> as_vector(const Tensor& t) { return {t.values().begin(), t.values().end()}; }
}  // namespace

TEST_CASE("Concatenate joins channels pixel by pixel: hand-worked case") {
  // Two pixels; a has 1 channel, b has 2.
  Tensor a(Shape::nhwc(1, 1, 2, 1), std::vector<float>{1, 2});
  Tensor b(Shape::nhwc(1, 1, 2, 2), std::vector<float>{10, 11, 20, 21});
  Concatenate cat("cat");
  Tensor y = run_forward(cat, {&a, &b});
  CHECK(y.shape() == Shape::nhwc(1, 1, 2, 3));
  CHECK(as_vector(y) == std::vector<float>{1, 10, 11, 2, 20, 21});

  // Only b's gradient is wanted: it still gets its own columns.
  Tensor g(y.shape(), std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor d_b(b.shape());
  Tensor* d_in[] = {nullptr, &d_b};
  const Tensor* in[] = {&a, &b};
  cat.backward(d_in, g, in, y, {});
  CHECK(as_vector(d_b) == std::vector<float>{2, 3, 5, 6});
}

TEST_CASE("Concatenate backward matches finite differences for every input") {
  Rng rng(81);
  Tensor a = rng.tensor(Shape::nhwc(2, 3, 5, 3));
  Tensor b = rng.tensor(Shape::nhwc(2, 3, 5, 1));
  Tensor c = rng.tensor(Shape::nhwc(2, 3, 5, 5));
  Concatenate cat("cat");
  // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
  for (int which = 0; which < 3; ++which) check_input_gradient(cat, {&a, &b, &c}, which);
  Tensor single = rng.tensor(Shape{2, 7});
  check_input_gradient(cat, {&single}, 0);
}

TEST_CASE("Concatenate rejects inputs whose other dimensions differ") {
  Concatenate cat("cat");
  const Shape spatial[] = {Shape::nhwc(2, 4, 4, 16), Shape::nhwc(2, 3, 3, 8)};
  CHECK_THROWS_WITH_AS(cat.output_shape(spatial),
                       doctest::Contains("Concatenate 'cat': input 1 has shape [2, 3, 3, 8] but input 0 has [2, 4, 4, 16]"),
                       Error);
  const Shape ranks[] = {Shape::nhwc(2, 4, 4, 16), Shape{2, 16}};
  CHECK_THROWS_WITH_AS(cat.output_shape(ranks), doctest::Contains("every dimension except the last"), Error);
}

TEST_CASE("Concatenate: channel counts are summed without overflow") {
  Concatenate cat("cat");
  const Shape inputs[] = {Shape{1, 1, 1, 1 << 30}, Shape{1, 1, 1, 1 << 30}};
  CHECK_THROWS_WITH_AS(cat.output_shape(inputs),
                       doctest::Contains("Concatenate 'cat': the output's channel count would be 2147483648, outside"),
                       Error);
}
