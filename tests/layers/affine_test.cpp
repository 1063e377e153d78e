#include "layers/affine.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

TEST_CASE("Affine forward: one shared scale and offset, and per-channel ones (hand-worked)") {
  Tensor x(Shape::nhwc(1, 1, 2, 3), std::vector<float>{0, 0.5f, 1, 0.25f, 0.75f, 1});
  Affine rescaling("rescale", {2.0f}, {-1.0f});
  Tensor y = run_forward(rescaling, {&x});
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) == std::vector<float>{-1, 0, 1, -0.5f, 0.5f, 1});

  Affine bias("bias", {1.0f}, {10.0f, 20.0f, 30.0f});
  Tensor b = run_forward(bias, {&x});
  CHECK(std::vector<float>(b.values().begin(), b.values().end()) ==
        std::vector<float>{10, 20.5f, 31, 10.25f, 20.75f, 31});

  Affine per_channel("pc", {1.0f, 2.0f, 4.0f}, {0.0f});
  Tensor p = run_forward(per_channel, {&x});
  CHECK(std::vector<float>(p.values().begin(), p.values().end()) == std::vector<float>{0, 1, 4, 0.25f, 1.5f, 4});
}

TEST_CASE("Affine backward matches finite differences and accumulates") {
  Rng rng(11);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 3), Shape::nhwc(1, 4, 3, 1), Shape{2, 17}}) {
    const int c = shape.c();
    std::vector<float> scale(c), offset(c);
    for (int i = 0; i < c; ++i) {
      scale[i] = rng.uniform(-2.0f, 2.0f);
      offset[i] = rng.uniform(-1.0f, 1.0f);
    }
    Tensor x = rng.tensor(shape);
    Affine affine("a", scale, offset);
    // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
    check_input_gradient(affine, {&x}, 0);
  }
  Tensor x(Shape{1, 2}, std::vector<float>{1, 2});
  Affine affine("a", {3.0f}, {0.0f});
  Tensor y = run_forward(affine, {&x});
  Tensor g(Shape{1, 2}, std::vector<float>{1, -1});
  Tensor d(Shape{1, 2}, std::vector<float>{5, 5});
  Tensor* d_in[] = {&d};
  const Tensor* in[] = {&x};
  affine.backward(d_in, g, in, y, {});
  CHECK(d[0] == 8.0f);
  CHECK(d[1] == 2.0f);
}

TEST_CASE("Affine rejects value counts that are neither 1 nor the channel count") {
  Affine affine("scaler", {1.0f, 2.0f}, {0.0f});
  const Shape in[] = {Shape::nhwc(1, 4, 4, 3)};
  CHECK_THROWS_WITH_AS(affine.output_shape(in),
                       doctest::Contains("Affine 'scaler': scale has 2 values; input [1, 4, 4, 3] needs 1 or 3"),
                       Error);
  CHECK_THROWS_WITH_AS(Affine("empty", {}, {0.0f}), doctest::Contains("Affine 'empty' needs at least one"), Error);
}
