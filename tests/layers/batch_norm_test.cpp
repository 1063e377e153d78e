#include "layers/batch_norm.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/backend.h"
#include "layers/relu.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

void randomise(BatchNorm& bn, Rng& rng) {
  for (float& v : bn.gamma().values()) v = rng.uniform(0.5f, 2.0f);
  for (float& v : bn.beta().values()) v = rng.uniform(-1.0f, 1.0f);
  for (float& v : bn.moving_mean().values()) v = rng.uniform(-0.5f, 0.5f);
  for (float& v : bn.moving_variance().values()) v = rng.uniform(0.2f, 2.0f);
}

// L = sum(out * probe) in double, through a training-mode forward (batch statistics).
double training_loss(BatchNorm& bn, const Tensor& x, const Tensor& probe) {
  Tensor out = run_forward(bn, {&x}, Phase::training);
  double loss = 0.0;
  for (size_t i = 0; i < out.size(); ++i) loss += static_cast<double>(out[i]) * probe[i];
  return loss;
}

// Central differences through the batch statistics; gradcheck.h runs inference only.
void check_training_gradient(BatchNorm& bn, Tensor& x, Tensor& target, const Tensor& analytic, const Tensor& probe,
                             const std::string& what) {
  // The loss is smooth but curved through 1/sqrt(variance); with eps 1e-2 on float outputs the
  // differences carry up to ~4e-4 of truncation and rounding (measured), so allow a generous
  // abs 2e-3 + 1% relative.
  const float eps = 1e-2f;
  for (size_t i = 0; i < target.size(); ++i) {
    const float saved = target[i];
    target[i] = saved + eps;
    const double plus = training_loss(bn, x, probe);
    target[i] = saved - eps;
    const double minus = training_loss(bn, x, probe);
    target[i] = saved;
    const double numeric = (plus - minus) / (2.0 * eps);
    CHECK_MESSAGE(std::fabs(analytic[i] - numeric) <= 2e-3 + 1e-2 * std::fabs(numeric),
                  what << "[" << i << "]: analytic " << analytic[i] << " vs numeric " << numeric);
  }
}

// out[n, y, x, o] = bias[o] + sum weights[ky, kx, i, o] * in[n, y + ky, x + kx, i]  (VALID, stride 1)
Tensor naive_conv(const Tensor& in, const Tensor& weights, const Tensor& bias) {
  const Shape& s = in.shape();
  const int kh = weights.shape()[0], kw = weights.shape()[1], in_c = weights.shape()[2], out_c = weights.shape()[3];
  Tensor out(Shape::nhwc(s.n(), s.h() - kh + 1, s.w() - kw + 1, out_c));
  for (int n = 0; n < s.n(); ++n)
    for (int y = 0; y < out.shape().h(); ++y)
      for (int x = 0; x < out.shape().w(); ++x)
        for (int o = 0; o < out_c; ++o) {
          float sum = bias[o];
          for (int ky = 0; ky < kh; ++ky)
            for (int kx = 0; kx < kw; ++kx)
              for (int i = 0; i < in_c; ++i)
                sum += weights[((static_cast<size_t>(ky) * kw + kx) * in_c + i) * out_c + o] * in.at(n, y + ky, x + kx, i);
          out.at(n, y, x, o) = sum;
        }
  return out;
}

std::vector<float> as_vector(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

}  // namespace

TEST_CASE("BatchNorm inference forward on a hand-worked case") {
  // Channel 0: mean 1, variance 4 - eps (so sqrt(variance + eps) = 2), gamma 3, beta 0.5.
  // Channel 1: the defaults (mean 0, variance 1, gamma 1, beta 0) on 4: 4 / sqrt(1 + eps).
  const float eps = 1e-3f;
  BatchNorm bn("bn", 2, eps);
  bn.moving_mean()[0] = 1.0f;
  bn.moving_variance()[0] = 4.0f - eps;
  bn.gamma()[0] = 3.0f;
  bn.beta()[0] = 0.5f;
  Tensor x(Shape{1, 2}, std::vector<float>{5, 4});
  Tensor y = run_forward(bn, {&x});
  CHECK(y[0] == doctest::Approx((5 - 1) / 2.0 * 3 + 0.5));
  CHECK(y[1] == doctest::Approx(4 / std::sqrt(1.0 + eps)));
}

TEST_CASE("BatchNorm training forward uses batch statistics and updates the moving ones") {
  // One channel over a batch of two pixels, values 1 and 3: mean 2, biased variance 1.
  BatchNorm bn("bn", 1, /*epsilon=*/1e-3f, /*momentum=*/0.9f);
  Tensor x(Shape::nhwc(2, 1, 1, 1), std::vector<float>{1, 3});
  Tensor y = run_forward(bn, {&x}, Phase::training);
  const double x_hat = 1.0 / std::sqrt(1.0 + 1e-3);
  CHECK(y[0] == doctest::Approx(-x_hat));
  CHECK(y[1] == doctest::Approx(x_hat));
  CHECK(bn.moving_mean()[0] == doctest::Approx(0.9 * 0 + 0.1 * 2));
  CHECK(bn.moving_variance()[0] == doctest::Approx(0.9 * 1 + 0.1 * 1));
  CHECK(bn.parameters().size() == 2);  // gamma and beta only: moving statistics are state
}

TEST_CASE("BatchNorm inference backward matches finite differences") {
  Rng rng(131);
  for (Shape shape : {Shape::nhwc(2, 3, 5, 3), Shape::nhwc(1, 4, 4, 1), Shape{2, 7}}) {
    CAPTURE(shape.str());
    BatchNorm bn("bn", shape.c());
    randomise(bn, rng);
    Tensor x = rng.tensor(shape);
    // Affine in x, gamma and beta: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
    check_input_gradient(bn, {&x}, 0);
    check_parameter_gradient(bn, {&x}, "gamma");
    check_parameter_gradient(bn, {&x}, "beta");
  }
}

TEST_CASE("BatchNorm training backward matches finite differences through the batch statistics") {
  Rng rng(132);
  for (Shape shape : {Shape::nhwc(2, 3, 3, 3), Shape::nhwc(1, 4, 4, 1), Shape{6, 5}}) {
    CAPTURE(shape.str());
    BatchNorm bn("bn", shape.c());
    randomise(bn, rng);
    Tensor x = rng.tensor(shape);
    Tensor out = run_forward(bn, {&x}, Phase::training);
    Tensor probe = rng.tensor(out.shape());
    for (Parameter& p : bn.parameters()) p.grad->fill(0.0f);
    Tensor d_x(x.shape());
    Tensor* d_in[] = {&d_x};
    const Tensor* in[] = {&x};
    bn.backward(d_in, probe, in, out, BackwardRequest{true, ReluBackward::normal});
    check_training_gradient(bn, x, x, d_x, probe, "d_x");
    check_training_gradient(bn, x, bn.gamma(), *bn.parameters()[0].grad, probe, "d_gamma");
    check_training_gradient(bn, x, bn.beta(), *bn.parameters()[1].grad, probe, "d_beta");
  }
}

TEST_CASE("BatchNorm training input gradient sums to zero per channel and skips weights unless asked") {
  // Batch normalisation is invariant to shifting a channel, so its input gradient has zero mean.
  Rng rng(133);
  BatchNorm bn("bn", 3);
  randomise(bn, rng);
  Tensor x = rng.tensor(Shape::nhwc(2, 3, 3, 3));
  Tensor out = run_forward(bn, {&x}, Phase::training);
  Tensor probe = rng.tensor(out.shape());
  for (Parameter& p : bn.parameters()) p.grad->fill(0.0f);
  Tensor d_x(x.shape());
  Tensor* d_in[] = {&d_x};
  const Tensor* in[] = {&x};
  bn.backward(d_in, probe, in, out, BackwardRequest{});
  for (int c = 0; c < 3; ++c) {
    double sum = 0.0;
    for (size_t i = c; i < d_x.size(); i += 3) sum += d_x[i];
    CHECK(std::fabs(sum) < 1e-5);
  }
  for (Parameter& p : bn.parameters())
    for (float g : p.grad->values()) CHECK(g == 0.0f);
}

TEST_CASE("BatchNorm with a fused ReLU or ReLU6 equals BatchNorm then the activation layer, forward and backward") {
  Rng rng(136);
  // Large enough (64 x 14 x 14 x 32) that the element-wise passes split across threads when run with more.
  const Shape shape = Shape::nhwc(64, 14, 14, 32);
  for (Activation activation : {Activation::relu, Activation::relu6}) {
    const float cap = activation == Activation::relu6 ? 6.0f : Relu::kNoCap;
    CAPTURE(cap);
    for (Phase phase : {Phase::training, Phase::inference}) {
      CAPTURE(phase == Phase::training);
      for (ReluBackward mode : {ReluBackward::normal, ReluBackward::guided}) {
        BatchNorm fused("fused", shape.c(), 1e-3f, 0.9f, activation), plain("plain", shape.c(), 1e-3f, 0.9f);
        Rng weights(7);
        randomise(fused, weights);
        Rng same_weights(7);
        randomise(plain, same_weights);
        for (float& v : fused.gamma().values()) v *= 4.0f;  // push some outputs past ReLU6's cap
        for (float& v : plain.gamma().values()) v *= 4.0f;
        Relu relu("relu", cap);
        const Tensor x = rng.tensor(shape, -2.0f, 2.0f);
        const Tensor probe = rng.tensor(shape);
        const Tensor fused_out = run_forward(fused, {&x}, phase);
        const Tensor normalised = run_forward(plain, {&x}, phase);
        const Tensor want_out = run_forward(relu, {&normalised}, phase);
        CHECK(max_abs_diff(fused_out, want_out) == 0.0f);

        const BackwardRequest request{true, mode};
        for (Parameter& p : fused.parameters()) p.grad->fill(0.0f);
        for (Parameter& p : plain.parameters()) p.grad->fill(0.0f);
        Tensor fused_dx(shape), relu_dx(shape), want_dx(shape);
        const Tensor* fused_in[] = {&x};
        Tensor* fused_d_in[] = {&fused_dx};
        fused.backward(fused_d_in, probe, fused_in, fused_out, request);
        const Tensor* relu_in[] = {&normalised};
        Tensor* relu_d_in[] = {&relu_dx};
        relu.backward(relu_d_in, probe, relu_in, want_out, request);
        Tensor* plain_d_in[] = {&want_dx};
        plain.backward(plain_d_in, relu_dx, fused_in, normalised, request);
        CHECK(max_abs_diff(fused_dx, want_dx) == 0.0f);
        CHECK(max_abs_diff(*fused.parameters()[0].grad, *plain.parameters()[0].grad) == 0.0f);
        CHECK(max_abs_diff(*fused.parameters()[1].grad, *plain.parameters()[1].grad) == 0.0f);
      }
    }
  }
}

TEST_CASE("BatchNorm statistics and training backward equal plain loops, and 1 thread's bits at 2-3 threads") {
  // The per-channel sums run in blocks of 16 channels (and a scalar tail): 37 channels is two blocks
  // and 5 left over, 128 the Fashion-MNIST CNN's last BatchNorm at batch 64. Both are large enough to
  // split across threads. The plain loops sum each channel in row order, as the kernels do; where the
  // compiler fuses a multiply and an add may differ between the two loops, hence 1e-4 relative to
  // the largest value (the sums run over 4096 and 3136 rows), and exact equality across thread counts.
  Rng rng(133);
  for (const Shape shape : {Shape::nhwc(16, 16, 16, 37), Shape::nhwc(64, 7, 7, 128)}) {
    CAPTURE(shape.str());
    const int channels = shape.c();
    const size_t rows = shape.size() / channels;
    const Tensor x = rng.tensor(shape, -1.0f, 3.0f), d_out = rng.tensor(shape), d_in_start = rng.tensor(shape);
    const Tensor gamma = rng.tensor(Shape{channels}, 0.5f, 2.0f);
    std::vector<float> mean(channels, 0.0f), variance(channels, 0.0f);
    std::vector<float> sum_dy(channels, 0.0f), sum_dy_xhat(channels, 0.0f);
    for (size_t r = 0; r < rows; ++r)
      for (int c = 0; c < channels; ++c) mean[c] += x[r * channels + c];
    for (int c = 0; c < channels; ++c) mean[c] /= static_cast<float>(rows);
    for (size_t r = 0; r < rows; ++r)
      for (int c = 0; c < channels; ++c) {
        const float deviation = x[r * channels + c] - mean[c];
        variance[c] += deviation * deviation;
      }
    Tensor inv_std(Shape{channels});
    for (int c = 0; c < channels; ++c) {
      variance[c] /= static_cast<float>(rows);
      inv_std[c] = 1.0f / std::sqrt(variance[c] + 1e-3f);
    }
    Tensor mean_tensor(Shape{channels}, mean);
    for (size_t r = 0; r < rows; ++r)
      for (int c = 0; c < channels; ++c) {
        const size_t i = r * channels + c;
        sum_dy[c] += d_out[i];
        sum_dy_xhat[c] += d_out[i] * (x[i] - mean[c]) * inv_std[c];
      }
    Tensor want_d_in = d_in_start.clone();
    const float count = static_cast<float>(rows);
    for (size_t i = 0; i < x.size(); ++i) {
      const int c = static_cast<int>(i % channels);
      const float x_hat = (x[i] - mean[c]) * inv_std[c];
      want_d_in[i] += gamma[c] * inv_std[c] * (d_out[i] - sum_dy[c] / count - x_hat * sum_dy_xhat[c] / count);
    }
    const auto check_close = [](const std::vector<float>& got, const std::vector<float>& want, const char* what) {
      float scale = 1.0f, worst = 0.0f;
      for (float v : want) scale = std::max(scale, std::fabs(v));
      for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
      CHECK_MESSAGE(worst <= 1e-4f * scale, what << ": max diff " << worst << " at scale " << scale);
    };
    std::vector<std::vector<float>> one_thread;
    for (int threads : {1, 2, 3}) {
      CAPTURE(threads);
      kernels::ThreadCountScope scope(threads);
      Tensor got_mean, got_variance;
      batch_norm_statistics(got_mean, got_variance, x);
      Tensor d_in = d_in_start.clone(), d_gamma(Shape{channels}), d_beta(Shape{channels});
      batch_norm_backward(&d_in, &d_gamma, &d_beta, d_out, x, gamma, mean_tensor, inv_std,
                          /*through_batch_stats=*/true);
      const std::vector<std::vector<float>> got = {as_vector(got_mean), as_vector(got_variance), as_vector(d_gamma),
                                                   as_vector(d_beta), as_vector(d_in)};
      if (threads == 1) {
        one_thread = got;
        check_close(got[0], mean, "mean");
        check_close(got[1], variance, "variance");
        check_close(got[2], sum_dy_xhat, "d_gamma");
        check_close(got[3], sum_dy, "d_beta");
        check_close(got[4], as_vector(want_d_in), "d_in");
      }
      CHECK(got == one_thread);
    }
  }
}

TEST_CASE("Folding an inference BatchNorm into the preceding conv gives the same outputs") {
  Rng rng(134);
  Tensor x = rng.tensor(Shape::nhwc(2, 5, 6, 3));
  Tensor weights = rng.tensor(Shape::nhwc(3, 3, 3, 5));  // [kh, kw, in_c, out_c]
  Tensor bias = rng.tensor(Shape{5});
  BatchNorm bn("bn", 5);
  randomise(bn, rng);

  Tensor conv_out = naive_conv(x, weights, bias);
  Tensor expected = run_forward(bn, {&conv_out});
  FoldedConv folded = fold_batch_norm(weights, &bias, bn);
  // Same arithmetic regrouped: 27-term sums of values in [-2, 2] differ by float rounding only.
  CHECK(max_abs_diff(naive_conv(x, folded.weights, folded.bias), expected) <= 1e-4f);

  Tensor zero_bias(Shape{5});
  Tensor unbiased_out = naive_conv(x, weights, zero_bias);
  Tensor expected_unbiased = run_forward(bn, {&unbiased_out});
  FoldedConv folded_unbiased = fold_batch_norm(weights, nullptr, bn);
  CHECK(max_abs_diff(naive_conv(x, folded_unbiased.weights, folded_unbiased.bias), expected_unbiased) <= 1e-4f);
}

TEST_CASE("BatchNorm rejects inputs and weights with the wrong channel count") {
  BatchNorm bn("bn", 8);
  const Shape wrong[] = {Shape::nhwc(2, 4, 4, 16)};
  CHECK_THROWS_WITH_AS(bn.output_shape(wrong),
                       doctest::Contains("BatchNorm 'bn': expected an input [N, H, W, 8] or [N, 8], got [2, 4, 4, 16]"),
                       Error);
  Tensor weights(Shape::nhwc(3, 3, 8, 4));
  CHECK_THROWS_WITH_AS(fold_batch_norm(weights, nullptr, bn),
                       doctest::Contains("BatchNorm 'bn' has 8 channels but the weights have shape [3, 3, 8, 4]"), Error);
  Tensor bias(Shape{4});
  CHECK_THROWS_WITH_AS(fold_batch_norm(Tensor(Shape::nhwc(1, 1, 2, 8)), &bias, bn),
                       doctest::Contains("needs a bias of shape [8], got [4]"), Error);
}

TEST_CASE("BatchNorm backward without a forward pass says so") {
  BatchNorm bn("fresh", 2);
  Tensor x(Shape{1, 2}), g(Shape{1, 2}), d_x(Shape{1, 2});
  Tensor* d_in[] = {&d_x};
  const Tensor* in[] = {&x};
  CHECK_THROWS_WITH_AS(bn.backward(d_in, g, in, x, {}), doctest::Contains("BatchNorm 'fresh': backward needs"), Error);
}
