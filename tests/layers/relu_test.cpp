#include "layers/relu.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

TEST_CASE("ReLU and ReLU6 forward on a hand-worked case") {
  Tensor x(Shape{1, 5}, std::vector<float>{-2, -0.5f, 0.5f, 5, 8});
  Relu relu("r");
  Tensor y = run_forward(relu, {&x});
  CHECK(std::vector<float>(y.values().begin(), y.values().end()) == std::vector<float>{0, 0, 0.5f, 5, 8});
  Relu relu6("r6", 6.0f);
  CHECK(std::string(relu6.kind()) == "ReLU6");
  Tensor y6 = run_forward(relu6, {&x});
  CHECK(std::vector<float>(y6.values().begin(), y6.values().end()) == std::vector<float>{0, 0, 0.5f, 5, 6});
}

TEST_CASE("ReLU backward modes: normal, guided, deconvnet") {
  Tensor x(Shape{1, 4}, std::vector<float>{-1, 2, -3, 4});
  Tensor g(Shape{1, 4}, std::vector<float>{5, -6, 7, 8});
  Relu relu("r");
  Tensor y = run_forward(relu, {&x});
  auto grad_for = [&](ReluBackward mode) {
    Tensor d(x.shape());
    Tensor* d_in[] = {&d};
    const Tensor* in[] = {&x};
    relu.backward(d_in, g, in, y, BackwardRequest{false, mode});
    return std::vector<float>(d.values().begin(), d.values().end());
  };
  CHECK(grad_for(ReluBackward::normal) == std::vector<float>{0, -6, 0, 8});
  CHECK(grad_for(ReluBackward::guided) == std::vector<float>{0, 0, 0, 8});
  CHECK(grad_for(ReluBackward::deconvnet) == std::vector<float>{5, 0, 7, 8});
}

TEST_CASE("ReLU backward accumulates into the input gradient") {
  Tensor x(Shape{1, 2}, std::vector<float>{1, 2});
  Tensor g(Shape{1, 2}, std::vector<float>{1, 1});
  Relu relu("r");
  Tensor y = run_forward(relu, {&x});
  Tensor d(Shape{1, 2}, std::vector<float>{10, 20});
  Tensor* d_in[] = {&d};
  const Tensor* in[] = {&x};
  relu.backward(d_in, g, in, y, {});
  CHECK(d[0] == 11.0f);
  CHECK(d[1] == 21.0f);
}

TEST_CASE("ReLU and ReLU6 backward match finite differences away from the kinks") {
  Rng rng(7);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 3), Shape::nhwc(1, 7, 7, 1), Shape{2, 9}}) {
    Tensor x = rng.tensor(shape, -8.0f, 8.0f);
    // Keep every element at least 0.1 from 0 and 6, ten times the finite-difference step.
    for (float& v : x.values()) {
      if (std::fabs(v) < 0.1f) v += 0.3f;
      if (std::fabs(v - 6.0f) < 0.1f) v += 0.3f;
    }
    Relu relu("r"), relu6("r6", 6.0f);
    check_input_gradient(relu, {&x}, 0);
    check_input_gradient(relu6, {&x}, 0);
  }
}
