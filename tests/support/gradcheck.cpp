#include "support/gradcheck.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace camlens::test {

Tensor Rng::tensor(const Shape& shape, float lo, float hi) {
  Tensor t(shape);
  for (float& v : t.values()) v = uniform(lo, hi);
  return t;
}

std::vector<float> Rng::values(size_t count, float lo, float hi) {
  std::vector<float> v(count);
  for (float& x : v) x = uniform(lo, hi);
  return v;
}

std::vector<float> magnitudes(std::vector<float> values) {
  for (float& v : values) v = std::fabs(v);
  return values;
}

Tensor run_forward(Layer& layer, const std::vector<const Tensor*>& inputs, Phase phase) {
  std::vector<Shape> shapes;
  for (const Tensor* t : inputs) shapes.push_back(t->shape());
  Tensor out(layer.output_shape(shapes));
  layer.forward(out, inputs, phase);
  return out;
}

namespace {

std::vector<const Tensor*> as_const(const std::vector<Tensor*>& inputs) {
  return {inputs.begin(), inputs.end()};
}

double probe_loss(Layer& layer, const std::vector<Tensor*>& inputs, const Tensor& probe) {
  Tensor out = run_forward(layer, as_const(inputs), Phase::inference);
  double loss = 0.0;
  for (size_t i = 0; i < out.size(); ++i) loss += static_cast<double>(out[i]) * probe[i];
  return loss;
}

// Compares analytic[i] with the central difference of the loss while nudging target[i].
void compare_with_numeric(Layer& layer, const std::vector<Tensor*>& inputs, const Tensor& probe, Tensor& target,
                          const Tensor& analytic, const std::string& what, Tolerance tol, size_t max_checks) {
  size_t count = target.size();
  size_t step = std::max<size_t>(1, count / max_checks);
  int failures = 0;
  size_t compared = 0;
  for (size_t i = 0; i < count && failures < 5; i += step, ++compared) {
    float saved = target[i];
    target[i] = saved + tol.eps;
    layer.parameters_changed();
    double plus = probe_loss(layer, inputs, probe);
    target[i] = saved - tol.eps;
    layer.parameters_changed();
    double minus = probe_loss(layer, inputs, probe);
    target[i] = saved;
    layer.parameters_changed();
    double numeric = (plus - minus) / (2.0 * tol.eps);
    double error = std::fabs(analytic[i] - numeric);
    if (error > tol.abs + tol.rel * std::fabs(numeric)) {
      ++failures;
      FAIL_CHECK(what << "[" << i << "]: analytic " << analytic[i] << " vs numeric " << numeric);
    }
  }
  // An empty tensor would otherwise pass without comparing anything.
  CHECK_MESSAGE(compared > 0, what << ": no element was compared (the tensor has " << count << " elements)");
}

Tensor random_probe(const Tensor& out) {
  Rng rng(99);
  return rng.tensor(out.shape());
}

}  // namespace

void check_input_gradient(Layer& layer, const std::vector<Tensor*>& inputs, int which, Tolerance tol,
                          size_t max_checks) {
  Tensor out = run_forward(layer, as_const(inputs));
  Tensor probe = random_probe(out);
  Tensor grad(inputs[which]->shape());
  std::vector<Tensor*> d_in(inputs.size(), nullptr);
  d_in[which] = &grad;
  layer.backward(d_in, probe, as_const(inputs), out, BackwardRequest{});
  compare_with_numeric(layer, inputs, probe, *inputs[which], grad,
                       std::string(layer.kind()) + " d_input" + std::to_string(which), tol, max_checks);
}

void check_parameter_gradient(Layer& layer, const std::vector<Tensor*>& inputs, const std::string& param,
                              Tolerance tol, size_t max_checks) {
  auto params = layer.parameters();
  auto found = std::find_if(params.begin(), params.end(), [&](const Parameter& p) { return p.name == param; });
  REQUIRE_MESSAGE(found != params.end(), layer.kind() << " has no parameter " << param);
  for (Parameter& p : params) p.grad->fill(0.0f);

  Tensor out = run_forward(layer, as_const(inputs));
  Tensor probe = random_probe(out);
  std::vector<Tensor*> d_in(inputs.size(), nullptr);
  BackwardRequest request;
  request.weight_grads = true;
  layer.backward(d_in, probe, as_const(inputs), out, request);
  compare_with_numeric(layer, inputs, probe, *found->value, *found->grad,
                       std::string(layer.kind()) + " d_" + param, tol, max_checks);
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) fail("max_abs_diff: shapes ", a.shape().str(), " and ", b.shape().str(), " differ");
  float worst = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

}  // namespace camlens::test
