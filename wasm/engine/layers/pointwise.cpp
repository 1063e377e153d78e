#include "layers/pointwise.h"

#include <algorithm>
#include <cmath>

#include "kernels/parallel.h"

namespace camlens {

namespace {

// Runs f(begin, end) over ranges of `count` elements on the engine's threads.
template <typename F>
void over_ranges(size_t count, F&& f) {
  kernels::parallel_ranges(count, kernels::kChannelGranule, count, f);
}

}  // namespace

void pointwise_forward(Tensor& out, const Tensor& in, const PointwiseParams& p) {
  const float* x = in.data();
  float* y = out.data();
  const float alpha = p.alpha, beta = p.beta;
  switch (p.function) {
    case PointwiseFunction::sigmoid:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
      });
    case PointwiseFunction::hard_sigmoid:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) y[i] = std::clamp(alpha * x[i] + beta, 0.0f, 1.0f);
      });
    case PointwiseFunction::hard_swish:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) y[i] = x[i] * std::clamp(x[i] / 6.0f + 0.5f, 0.0f, 1.0f);
      });
    case PointwiseFunction::leaky_relu:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
      });
    case PointwiseFunction::tanh:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) y[i] = std::tanh(x[i]);
      });
    case PointwiseFunction::elu:
      // expm1 keeps the small negative values accurate, as TensorFlow's Elu does.
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) y[i] = x[i] > 0.0f ? x[i] : alpha * std::expm1(x[i]);
      });
    case PointwiseFunction::swish:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) y[i] = x[i] / (1.0f + std::exp(-x[i]));
      });
  }
}

void pointwise_backward(Tensor& d_in, const Tensor& d_out, const Tensor& in, const Tensor& out, const PointwiseParams& p) {
  const float* g = d_out.data();
  const float* x = in.data();
  const float* y = out.data();
  float* dx = d_in.data();
  const float alpha = p.alpha, beta = p.beta;
  switch (p.function) {
    case PointwiseFunction::sigmoid:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) dx[i] += g[i] * y[i] * (1.0f - y[i]);
      });
    case PointwiseFunction::hard_sigmoid:
      // Zero on the flat parts, as PyTorch's hardsigmoid_backward.
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          const float z = alpha * x[i] + beta;
          dx[i] += ((z > 0.0f) & (z < 1.0f)) ? g[i] * alpha : 0.0f;
        }
      });
    case PointwiseFunction::hard_swish:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          const float slope = x[i] < -3.0f ? 0.0f : x[i] <= 3.0f ? x[i] / 3.0f + 0.5f : 1.0f;
          dx[i] += g[i] * slope;
        }
      });
    case PointwiseFunction::leaky_relu:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) dx[i] += x[i] > 0.0f ? g[i] : alpha * g[i];
      });
    case PointwiseFunction::tanh:
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) dx[i] += g[i] * (1.0f - y[i] * y[i]);
      });
    case PointwiseFunction::elu:
      // alpha * exp(x) on the negative side, which is y + alpha.
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) dx[i] += x[i] > 0.0f ? g[i] : g[i] * (y[i] + alpha);
      });
    case PointwiseFunction::swish:
      // d(x s)/dx = s + x s (1 - s) = s (1 + x (1 - s)), s = sigmoid(x) taken again from x: y / x fails at 0.
      return over_ranges(in.size(), [=](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          const float s = 1.0f / (1.0f + std::exp(-x[i]));
          dx[i] += g[i] * s * (1.0f + x[i] * (1.0f - s));
        }
      });
  }
}

const char* Pointwise::kind() const {
  switch (params_.function) {
    case PointwiseFunction::sigmoid: return "Sigmoid";
    case PointwiseFunction::hard_sigmoid: return "HardSigmoid";
    case PointwiseFunction::hard_swish: return "HardSwish";
    case PointwiseFunction::leaky_relu: return "LeakyReLU";
    case PointwiseFunction::tanh: return "Tanh";
    case PointwiseFunction::elu: return "ELU";
    case PointwiseFunction::swish: return "Swish";
  }
  return "Pointwise";
}

Shape Pointwise::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  return inputs[0];
}

void Pointwise::forward(Tensor& out, Inputs in, Phase) { pointwise_forward(out, *in[0], params_); }

void Pointwise::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out, const BackwardRequest&) {
  if (d_in[0] != nullptr) pointwise_backward(*d_in[0], d_out, *in[0], out, params_);
}

}  // namespace camlens
