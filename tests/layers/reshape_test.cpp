#include "layers/reshape.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

TEST_CASE("Reshape keeps values in order and the batch axis: hand-worked case") {
  Tensor x(Shape{2, 6}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  Reshape reshape("r", {1, 2, 3});
  Tensor y = run_forward(reshape, {&x});
  CHECK(y.shape() == Shape::nhwc(2, 1, 2, 3));
  CHECK(y.at(1, 0, 1, 2) == 12.0f);
  CHECK(y.at(0, 0, 1, 0) == 4.0f);
}

TEST_CASE("Reshape infers one -1 dimension") {
  Reshape reshape("r", {-1, 4});
  const Shape in[] = {Shape::nhwc(3, 2, 2, 6)};
  CHECK(reshape.output_shape(in) == Shape{3, 6, 4});
}

TEST_CASE("Reshape backward matches finite differences") {
  Rng rng(101);
  Tensor x = rng.tensor(Shape::nhwc(2, 3, 5, 3));
  Reshape reshape("r", {5, 9});
  // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
  check_input_gradient(reshape, {&x}, 0);
}

TEST_CASE("Reshape rejects a target with another count per item, naming both shapes") {
  Reshape reshape("r", {5, 10});
  const Shape in[] = {Shape::nhwc(2, 4, 4, 3)};
  CHECK_THROWS_WITH_AS(reshape.output_shape(in),
                       doctest::Contains("Reshape 'r': cannot reshape [2, 4, 4, 3] (48 values per batch item) to [N, 5, 10] (50 values"),
                       Error);
  Reshape free_dim("r2", {-1, 5});
  CHECK_THROWS_WITH_AS(free_dim.output_shape(in), doctest::Contains("to [N, -1, 5] (a multiple of 5 values"), Error);
  CHECK_THROWS_WITH_AS(Reshape("r3", {-1, -1}), doctest::Contains("at most one target dimension may be -1"), Error);
  CHECK_THROWS_WITH_AS(Reshape("r4", {1, 2, 3, 4}), doctest::Contains("1 to 3 dimensions"), Error);
}

TEST_CASE("Reshape: a target whose dimensions multiply past 64 bits is refused, not wrapped") {
  Reshape reshape("r", {65536, 65536, 65536});  // 2^48 values per item; as 32-bit size_t products, 0
  const Shape in[] = {Shape{1, 4}};
  CHECK_THROWS_WITH_AS(reshape.output_shape(in),
                       doctest::Contains("cannot reshape [1, 4] (4 values per batch item) to [N, 65536, 65536, 65536] "
                                         "(more than 2147483647 values per batch item)"),
                       Error);
  Reshape free("f", {-1, 1 << 30, 1 << 30});
  CHECK_THROWS_WITH_AS(free.output_shape(in), doctest::Contains("(a multiple of more than 2147483647 values"), Error);
}
