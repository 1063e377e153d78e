#include "layers/flatten.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

TEST_CASE("Flatten keeps NHWC order: hand-worked case") {
  Tensor x(Shape::nhwc(2, 1, 2, 2), std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
  Flatten flatten("flat");
  Tensor y = run_forward(flatten, {&x});
  CHECK(y.shape() == Shape{2, 4});
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("Flatten backward matches finite differences") {
  Rng rng(91);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 3), Shape::nhwc(1, 1, 1, 1), Shape{2, 7}}) {
    Tensor x = rng.tensor(shape);
    Flatten flatten("flat");
    // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
    check_input_gradient(flatten, {&x}, 0);
  }
}

TEST_CASE("Flatten needs a batch axis") {
  Flatten flatten("flat");
  const Shape vector[] = {Shape{10}};
  CHECK_THROWS_WITH_AS(flatten.output_shape(vector), doctest::Contains("Flatten 'flat' needs a batch axis"), Error);
}
