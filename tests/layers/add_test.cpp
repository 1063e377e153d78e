#include "layers/add.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

TEST_CASE("Add sums its inputs: hand-worked case") {
  Tensor a(Shape{1, 3}, std::vector<float>{1, 2, 3});
  Tensor b(Shape{1, 3}, std::vector<float>{10, 20, 30});
  Tensor c(Shape{1, 3}, std::vector<float>{-1, 0, 0.5f});
  Add add("res");
  Tensor y = run_forward(add, {&a, &b, &c});
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) == std::vector<float>{10, 22, 33.5f});

  // Every input gets the whole gradient; a null entry is skipped.
  Tensor g(Shape{1, 3}, std::vector<float>{1, -2, 3});
  Tensor d_a(a.shape()), d_c(c.shape(), std::vector<float>{1, 1, 1});
  Tensor* d_in[] = {&d_a, nullptr, &d_c};
  const Tensor* in[] = {&a, &b, &c};
  add.backward(d_in, g, in, y, {});
  CHECK(std::vector<float>(d_a.values().begin(), d_a.values().end()) == std::vector<float>{1, -2, 3});
  CHECK(std::vector<float>(d_c.values().begin(), d_c.values().end()) == std::vector<float>{2, -1, 4});
}

TEST_CASE("Add backward matches finite differences for every input") {
  Rng rng(71);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 3), Shape::nhwc(1, 4, 4, 1), Shape{2, 7}}) {
    Tensor a = rng.tensor(shape), b = rng.tensor(shape);
    Add add("res");
    // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
    check_input_gradient(add, {&a, &b}, 0);
    check_input_gradient(add, {&a, &b}, 1);
  }
}

TEST_CASE("Add rejects fewer than two inputs and unequal shapes") {
  Add add("res");
  const Shape one[] = {Shape::nhwc(2, 4, 4, 8)};
  CHECK_THROWS_WITH_AS(add.output_shape(one), doctest::Contains("Add 'res' sums two or more inputs, got 1"), Error);
  const Shape mismatched[] = {Shape::nhwc(2, 4, 4, 16), Shape::nhwc(2, 4, 4, 8)};
  CHECK_THROWS_WITH_AS(add.output_shape(mismatched),
                       doctest::Contains("Add 'res': input 1 has shape [2, 4, 4, 8] but input 0 has [2, 4, 4, 16]"),
                       Error);
}
