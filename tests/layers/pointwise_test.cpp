#include "layers/pointwise.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

const PointwiseParams kSigmoid{PointwiseFunction::sigmoid};
const PointwiseParams kHardSigmoid{PointwiseFunction::hard_sigmoid, 1.0f / 6.0f, 0.5f};  // PyTorch's Hardsigmoid
const PointwiseParams kHardSwish{PointwiseFunction::hard_swish};
const PointwiseParams kLeakyRelu{PointwiseFunction::leaky_relu, 0.01f};
const PointwiseParams kTanh{PointwiseFunction::tanh};
const PointwiseParams kElu{PointwiseFunction::elu, 1.5f};
const PointwiseParams kSwish{PointwiseFunction::swish};
const PointwiseParams kAll[] = {kSigmoid, kHardSigmoid, kHardSwish, kLeakyRelu, kTanh, kElu, kSwish};

// The plain formulas, in double, as the specification.
double reference(const PointwiseParams& p, double x) {
  switch (p.function) {
    case PointwiseFunction::sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case PointwiseFunction::hard_sigmoid: return std::clamp(p.alpha * x + p.beta, 0.0, 1.0);
    case PointwiseFunction::hard_swish: return x * std::clamp(x + 3.0, 0.0, 6.0) / 6.0;
    case PointwiseFunction::leaky_relu: return x > 0 ? x : p.alpha * x;
    case PointwiseFunction::tanh: return (std::exp(x) - std::exp(-x)) / (std::exp(x) + std::exp(-x));
    case PointwiseFunction::elu: return x > 0 ? x : p.alpha * (std::exp(x) - 1.0);
    case PointwiseFunction::swish: return x / (1.0 + std::exp(-x));
  }
  return 0.0;
}

}  // namespace

TEST_CASE("Pointwise activations forward match their formulas") {
  Rng rng(31);
  Tensor x = rng.tensor(Shape::nhwc(2, 3, 4, 5), -8.0f, 8.0f);
  for (const PointwiseParams& p : kAll) {
    Pointwise layer("f", p);
    Tensor y = run_forward(layer, {&x});
    for (size_t i = 0; i < x.size(); ++i) CHECK(y[i] == doctest::Approx(reference(p, x[i])).epsilon(1e-6));
  }
}

TEST_CASE("Pointwise activations: hand-worked values and kinds") {
  Tensor x(Shape{1, 4}, std::vector<float>{-4, -1.5f, 0, 4});
  auto values = [&](const PointwiseParams& p) {
    Pointwise layer("f", p);
    Tensor y = run_forward(layer, {&x});
    return std::vector<float>(y.values().begin(), y.values().end());
  };
  CHECK(values(kHardSwish) == std::vector<float>{0, -0.375f, 0, 4});
  CHECK(values(kHardSigmoid) == std::vector<float>{0, 0.25f, 0.5f, 1});
  CHECK(values(kLeakyRelu) == std::vector<float>{-0.04f, -0.015f, 0, 4});
  CHECK(values(kTanh)[2] == 0.0f);
  CHECK(values(kElu)[3] == 4.0f);
  CHECK(std::string(Pointwise("f", kHardSwish).kind()) == "HardSwish");
  CHECK(std::string(Pointwise("f", kTanh).kind()) == "Tanh");
  CHECK(std::string(Pointwise("f", kElu).kind()) == "ELU");
  CHECK(values(kSwish)[2] == 0.0f);
  CHECK(values(kSwish)[3] == doctest::Approx(4.0 / (1.0 + std::exp(-4.0))));
  CHECK(std::string(Pointwise("f", kSwish).kind()) == "Swish");
}

TEST_CASE("Pointwise activations backward match finite differences away from the kinks") {
  Rng rng(32);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 3), Shape{2, 9}}) {
    Tensor x = rng.tensor(shape, -6.0f, 6.0f);
    // Keep every element at least 0.1 from the kinks (0 and +-3), ten times the step.
    for (float& v : x.values()) {
      for (float kink : {-3.0f, 0.0f, 3.0f}) {
        if (std::fabs(v - kink) < 0.1f) v += 0.3f;
      }
    }
    for (const PointwiseParams& p : kAll) {
      Pointwise layer("f", p);
      check_input_gradient(layer, {&x}, 0);
    }
  }
}

TEST_CASE("Pointwise backward accumulates into the input gradient") {
  Tensor x(Shape{1, 2}, std::vector<float>{1, -2});
  Tensor g(Shape{1, 2}, std::vector<float>{1, 1});
  Pointwise layer("f", kLeakyRelu);
  Tensor y = run_forward(layer, {&x});
  Tensor d(Shape{1, 2}, std::vector<float>{10, 20});
  Tensor* d_in[] = {&d};
  const Tensor* in[] = {&x};
  layer.backward(d_in, g, in, y, {});
  CHECK(d[0] == 11.0f);
  CHECK(d[1] == doctest::Approx(20.01f));
}

TEST_CASE("Tanh, ELU and Swish backward match finite differences where they curve most") {
  // Tanh and Swish bend most near 0 and ELU just left of its kink: the range where a wrong slope shows.
  Rng rng(33);
  Tensor x = rng.tensor(Shape{3, 8}, -2.0f, -0.1f);
  for (size_t i = 0; i < x.size(); i += 2) x[i] = -x[i];
  for (const PointwiseParams& p : {kTanh, kElu, kSwish}) {
    Pointwise layer("f", p);
    check_input_gradient(layer, {&x}, 0, Tolerance{1e-3f, 5e-4, 1e-3});
  }
}
