#pragma once
// Central finite-difference checks for layers. The loss is L = sum(out * probe) with a random
// probe, evaluated in double, so every output element's gradient path is exercised.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "layers/layer.h"

namespace camlens::test {

struct Tolerance {
  float eps = 1e-2f;   // finite-difference step
  double abs = 2e-3;   // |analytic - numeric| <= abs + rel * |numeric|
  double rel = 1e-2;
};

// Deterministic random numbers for tests.
class Rng {
 public:
  explicit Rng(uint32_t seed = 1234) : engine_(seed) {}
  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(engine_); }
  int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(engine_); }
  Tensor tensor(const Shape& shape, float lo = -1.0f, float hi = 1.0f);
  std::vector<float> values(size_t count, float lo = -1.0f, float hi = 1.0f);

 private:
  std::mt19937 engine_;
};

// Runs forward in `phase` into a freshly shaped output.
Tensor run_forward(Layer& layer, const std::vector<const Tensor*>& inputs, Phase phase = Phase::inference);

// Checks dL/d inputs[which] (every element, or `max_checks` evenly spread ones) against
// central differences. Reports each failure through doctest with its index, and fails when it
// compared no element at all.
void check_input_gradient(Layer& layer, const std::vector<Tensor*>& inputs, int which, Tolerance tol = {},
                          size_t max_checks = 400);

// Checks the gradient of the parameter named `param` the same way.
void check_parameter_gradient(Layer& layer, const std::vector<Tensor*>& inputs, const std::string& param,
                              Tolerance tol = {}, size_t max_checks = 400);

// |v| for each value: operands for the rounding bound of a sum of products (sum of |a| |b|).
std::vector<float> magnitudes(std::vector<float> values);

// Largest |a - b| over two same-shaped tensors.
float max_abs_diff(const Tensor& a, const Tensor& b);

}  // namespace camlens::test
