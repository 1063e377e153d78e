#include "layers/dense.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"
#include "support/reference_check.h"

using namespace camlens;
using namespace camlens::test;

namespace {

std::vector<float> as_vector(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

// A Dense layer with weights uniform in [-scale, scale].
Dense random_dense(Rng& rng, int in_c, int out_c, bool use_bias, Activation activation, float scale) {
  Tensor kernel = rng.tensor(Shape{in_c, out_c}, -scale, scale);
  Tensor bias = use_bias ? rng.tensor(Shape{out_c}, -scale, scale) : Tensor();
  return Dense("fc", std::move(kernel), std::move(bias), activation);
}

// Smallest distance of a pre-activation from the ReLU/ReLU6 kinks at 0 and 6.
float distance_from_kinks(const Tensor& pre_activation) {
  float nearest = std::numeric_limits<float>::infinity();
  for (float v : pre_activation.values()) nearest = std::min({nearest, std::fabs(v), std::fabs(v - 6.0f)});
  return nearest;
}

}  // namespace

TEST_CASE("Dense forward on a hand-worked case, with bias and fused ReLU") {
  // [1, 2] x [[1, -2, 3], [4, 5, -6]] + [0.5, 0, -1] = [9.5, 8, -10] -> ReLU [9.5, 8, 0]
  const std::vector<float> kernel{1, -2, 3, 4, 5, -6};
  Dense dense("fc", Tensor(Shape{2, 3}, kernel), Tensor(Shape{3}, std::vector<float>{0.5f, 0, -1}), Activation::relu);
  Tensor x(Shape{1, 2}, std::vector<float>{1, 2});
  CHECK(as_vector(run_forward(dense, {&x})) == std::vector<float>{9.5f, 8, 0});

  // Without bias [9, 8, -9]; ReLU6 caps 9 and 8 at 6.
  Dense capped("fc6", Tensor(Shape{2, 3}, kernel), Tensor(), Activation::relu6);
  CHECK(as_vector(run_forward(capped, {&x})) == std::vector<float>{6, 6, 0});
  CHECK(capped.parameters().size() == 1);
}

struct DenseCase {
  int batch, in_c, out_c;
  bool use_bias;
  Activation activation;
};

TEST_CASE("Dense backward matches finite differences") {
  Rng rng(31);
  const DenseCase cases[] = {{1, 1, 1, true, Activation::none},
                             {2, 5, 3, false, Activation::none},
                             {2, 17, 7, true, Activation::relu},
                             {1, 6, 9, true, Activation::relu6}};
  for (const DenseCase& c : cases) {
    CAPTURE(c.in_c);
    CAPTURE(c.out_c);
    // Weights up to 3 let ReLU6 pre-activations pass 6, so the cap is exercised too.
    Dense dense = random_dense(rng, c.in_c, c.out_c, c.use_bias, c.activation, 3.0f);
    Tensor x = rng.tensor(Shape{c.batch, c.in_c});
    Dense linear("fc_linear", dense.weights().clone(), dense.bias().clone(), Activation::none);
    // Finite differences move a pre-activation by at most 3 * eps = 0.03: stay clear of the kinks.
    if (c.activation != Activation::none) REQUIRE(distance_from_kinks(run_forward(linear, {&x})) > 0.05f);

    // Outputs reach ~20: float rounding of the probe loss, divided by 2 * eps, stays under 3e-3.
    Tolerance tol{1e-2f, 3e-3, 1e-2};
    check_input_gradient(dense, {&x}, 0, tol);
    check_parameter_gradient(dense, {&x}, "kernel", tol);
    if (c.use_bias) check_parameter_gradient(dense, {&x}, "bias", tol);
  }
}

TEST_CASE("Dense optimised path matches the forced reference, forward and backward") {
  Rng rng(32);
  for (const DenseCase& c : {DenseCase{2, 33, 10, true, Activation::relu}, DenseCase{3, 64, 5, false, Activation::none}}) {
    Dense dense = random_dense(rng, c.in_c, c.out_c, c.use_bias, c.activation, 1.0f);
    Tensor x = rng.tensor(Shape{c.batch, c.in_c});
    // Sums of up to 64 products of values in [-1, 1]: another summation order moves them by < 1e-4.
    check_optimised_matches_reference(dense, {&x}, 1e-4f);
  }
}

TEST_CASE("Dense input gradients do not touch weight gradients; backward accumulates") {
  Rng rng(33);
  Dense dense = random_dense(rng, 4, 3, true, Activation::none, 1.0f);
  Tensor x = rng.tensor(Shape{2, 4});
  Tensor out = run_forward(dense, {&x});
  Tensor probe = rng.tensor(out.shape());
  for (Parameter& p : dense.parameters()) p.grad->fill(0.0f);
  Tensor once(x.shape()), twice(x.shape());
  Tensor* d_once[] = {&once};
  Tensor* d_twice[] = {&twice};
  const Tensor* in[] = {&x};
  dense.backward(d_once, probe, in, out, BackwardRequest{});
  dense.backward(d_twice, probe, in, out, BackwardRequest{});
  dense.backward(d_twice, probe, in, out, BackwardRequest{});
  for (Parameter& p : dense.parameters())
    for (float g : p.grad->values()) CHECK(g == 0.0f);
  for (size_t i = 0; i < x.size(); ++i) CHECK(twice[i] == doctest::Approx(2.0f * once[i]));
}

TEST_CASE("Dense rejects rank-4 inputs and wrong widths with the shapes in the message") {
  Dense dense("fc", Tensor(Shape{64, 10}), Tensor(Shape{10}));
  const Shape image[] = {Shape::nhwc(2, 4, 4, 4)};
  CHECK_THROWS_WITH_AS(dense.output_shape(image),
                       doctest::Contains("Dense 'fc' takes a rank-2 input [N, 64], got [2, 4, 4, 4]: add a Flatten"),
                       Error);
  const Shape narrow[] = {Shape{2, 32}};
  CHECK_THROWS_WITH_AS(dense.output_shape(narrow),
                       doctest::Contains("Dense 'fc': input [2, 32] has 32 features but kernel [64, 10] expects 64"), Error);
  const Shape two[] = {Shape{2, 64}, Shape{2, 64}};
  CHECK_THROWS_WITH_AS(dense.output_shape(two), doctest::Contains("takes 1 input(s), got 2"), Error);
  CHECK_THROWS_WITH_AS(Dense("bad", Tensor(Shape{3, 3, 4}), Tensor()),
                       doctest::Contains("Dense 'bad': kernel must be [in_c, out_c], got [3, 3, 4]"), Error);
  CHECK_THROWS_WITH_AS(Dense("bad_bias", Tensor(Shape{4, 3}), Tensor(Shape{4})),
                       doctest::Contains("Dense 'bad_bias': bias must be [3] to match kernel [4, 3], got [4]"), Error);
}
