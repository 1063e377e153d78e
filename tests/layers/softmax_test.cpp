#include "layers/softmax.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

TEST_CASE("Softmax on hand-worked rows, including huge logits") {
  // Row 0: [0, ln 3] -> [1/4, 3/4]. Row 1: logits near 1000 would overflow exp without the
  // max subtraction; equal ones share the probability.
  Tensor x(Shape{2, 2}, std::vector<float>{0, std::log(3.0f), 1000, 1000});
  Softmax softmax("prob");
  Tensor y = run_forward(softmax, {&x});
  CHECK(y[0] == doctest::Approx(0.25f));
  CHECK(y[1] == doctest::Approx(0.75f));
  CHECK(y[2] == 0.5f);
  CHECK(y[3] == 0.5f);
}

TEST_CASE("Softmax rows sum to 1 over the last axis of any rank") {
  Rng rng(111);
  Tensor x = rng.tensor(Shape::nhwc(2, 3, 3, 7), -10.0f, 10.0f);
  Softmax softmax("prob");
  Tensor y = run_forward(softmax, {&x});
  for (size_t row = 0; row < y.size() / 7; ++row) {
    double sum = 0.0;
    for (int c = 0; c < 7; ++c) {
      CHECK(y[row * 7 + c] >= 0.0f);
      sum += y[row * 7 + c];
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("Softmax backward matches finite differences") {
  Rng rng(112);
  for (Shape shape : {Shape{2, 7}, Shape::nhwc(2, 3, 3, 5), Shape{1, 1}}) {
    CAPTURE(shape.str());
    Tensor x = rng.tensor(shape, -3.0f, 3.0f);
    Softmax softmax("prob");
    // Smooth with bounded second derivative: the default tolerance (abs 2e-3, rel 1e-2,
    // eps 1e-2) covers the O(eps^2) truncation.
    check_input_gradient(softmax, {&x}, 0);
  }
}

TEST_CASE("Softmax backward of a one-hot target is p_i (delta_ik - p_k)") {
  Tensor x(Shape{1, 3}, std::vector<float>{0.5f, -1, 2});
  Softmax softmax("prob");
  Tensor y = run_forward(softmax, {&x});
  Tensor g(Shape{1, 3}, std::vector<float>{0, 0, 1});
  Tensor d_x(x.shape());
  Tensor* d_in[] = {&d_x};
  const Tensor* in[] = {&x};
  softmax.backward(d_in, g, in, y, {});
  // p = softmax(0.5, -1, 2) in double, from the formula rather than from the layer's forward.
  const double e[3] = {std::exp(0.5), std::exp(-1.0), std::exp(2.0)}, sum = e[0] + e[1] + e[2];
  const double p[3] = {e[0] / sum, e[1] / sum, e[2] / sum};
  for (int i = 0; i < 3; ++i) CHECK(d_x[i] == doctest::Approx(p[2] * ((i == 2 ? 1.0 : 0.0) - p[i])).epsilon(1e-6));
}
