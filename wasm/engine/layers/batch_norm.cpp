#include "layers/batch_norm.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "kernels/parallel.h"

namespace camlens {

namespace {

// The fused activation's lower clamp: lowest for none, 0 for ReLU / ReLU6 (activation_cap the upper).
float activation_floor(Activation activation) {
  return activation == Activation::none ? -std::numeric_limits<float>::infinity() : 0.0f;
}

void inverse_std(Tensor& inv_std, const Tensor& variance, float epsilon) {
  inv_std.reshape_storage(variance.shape());
  for (size_t c = 0; c < variance.size(); ++c) inv_std[c] = 1.0f / std::sqrt(variance[c] + epsilon);
}

// The work of one pass over `in` in kParallelMinWork's units: each element takes about four
// arithmetic operations (centre, scale, shift, clamp; or the two gradient sums), so a training
// batch's pass is big enough to split across threads.
size_t pass_work(const Tensor& in) { return 4 * in.size(); }

// Runs body(c0, c1) on ranges of channels, across threads when `elements` is large: every
// per-channel sum keeps its order, so the thread count does not change the results.
template <typename Body>
void for_channel_ranges(int channels, size_t elements, const Body& body) {
  kernels::parallel_ranges(static_cast<size_t>(channels), kernels::kChannelGranule, elements,
                           [&](size_t c0, size_t c1) { body(static_cast<int>(c0), static_cast<int>(c1)); });
}

// Per-channel sums over rows for channels [c0, c1): sums[c] += sum over r of term(r, c), each sum
// in row order. Up to 256 channels at a time accumulate in a local array, in one sweep over the
// rows: accumulating into the output arrays (which the compiler cannot prove distinct from the
// inputs) kept the two sums of the backward pass from vectorising, and blocks of 16 channels swept
// the tensor once per block, each sweep reading every row's cache lines again from L3.
// term(r, c, j, block) adds row r of channel c to block[s][j] for each of the kSums sums.
template <int kSums, typename Term>
void channel_sums(std::array<float*, kSums> sums, size_t rows, int c0, int c1, const Term& term) {
  constexpr int kBlock = 256;
  for (int c = c0; c < c1; c += kBlock) {
    const int width = std::min(kBlock, c1 - c);
    float block[kSums][kBlock] = {};
    for (size_t r = 0; r < rows; ++r) {
      for (int j = 0; j < width; ++j) term(r, c + j, j, block);
    }
    for (int s = 0; s < kSums; ++s)
      for (int j = 0; j < width; ++j) sums[s][c + j] += block[s][j];
  }
}

}  // namespace

void batch_norm_statistics(Tensor& mean, Tensor& variance, const Tensor& in) {
  const int channels = in.shape().c();
  const size_t rows = in.size() / channels;
  mean.reshape_storage(Shape{channels}, /*zero=*/true);
  variance.reshape_storage(Shape{channels}, /*zero=*/true);
  // Two passes (mean, then squared deviations): no cancellation when |mean| >> std.
  const float* x = in.data();
  float* means = mean.data();
  for_channel_ranges(channels, pass_work(in), [&](int c0, int c1) {
    channel_sums<1>({means}, rows, c0, c1,
                    [&](size_t r, int c, int j, auto& sum) { sum[0][j] += x[r * channels + c]; });
    for (int c = c0; c < c1; ++c) means[c] /= static_cast<float>(rows);
    channel_sums<1>({variance.data()}, rows, c0, c1, [&](size_t r, int c, int j, auto& sum) {
      const float deviation = x[r * channels + c] - means[c];
      sum[0][j] += deviation * deviation;
    });
    for (int c = c0; c < c1; ++c) variance[c] /= static_cast<float>(rows);
  });
}

void batch_norm_forward(Tensor& out, const Tensor& in, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                        const Tensor& inv_std, Activation activation) {
  const int channels = in.shape().c();
  const size_t rows = in.size() / channels;
  const float floor = activation_floor(activation), cap = activation_cap(activation);
  // Element-wise: threads take ranges of rows, each streaming through its own part of the tensor.
  kernels::parallel_ranges(rows, 1, pass_work(in), [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r)
      for (int c = 0; c < channels; ++c) {
        const size_t i = r * channels + c;
        out[i] = std::min(std::max((in[i] - mean[c]) * inv_std[c] * gamma[c] + beta[c], floor), cap);
      }
  });
}

void batch_norm_backward(Tensor* d_in, Tensor* d_gamma, Tensor* d_beta, const Tensor& d_out, const Tensor& in,
                         const Tensor& gamma, const Tensor& mean, const Tensor& inv_std, bool through_batch_stats) {
  const int channels = in.shape().c();
  const size_t rows = in.size() / channels;
  // Per channel: sum(dy) and sum(dy * x_hat), x_hat = (x - mean) * inv_std.
  std::vector<float> sum_dy(channels, 0.0f), sum_dy_xhat(channels, 0.0f);
  if (through_batch_stats || d_gamma != nullptr || d_beta != nullptr) {
    const float *dy = d_out.data(), *x = in.data(), *means = mean.data(), *inv = inv_std.data();
    for_channel_ranges(channels, pass_work(in), [&](int c0, int c1) {
      channel_sums<2>({sum_dy.data(), sum_dy_xhat.data()}, rows, c0, c1, [&](size_t r, int c, int j, auto& sum) {
        const size_t i = r * channels + c;
        sum[0][j] += dy[i];
        sum[1][j] += dy[i] * (x[i] - means[c]) * inv[c];
      });
    });
  }
  if (d_gamma != nullptr)
    for (int c = 0; c < channels; ++c) (*d_gamma)[c] += sum_dy_xhat[c];
  if (d_beta != nullptr)
    for (int c = 0; c < channels; ++c) (*d_beta)[c] += sum_dy[c];
  if (d_in == nullptr) return;
  Tensor& dx = *d_in;
  // The input gradient is element-wise given the sums: threads take ranges of rows.
  if (!through_batch_stats) {
    kernels::parallel_ranges(rows, 1, pass_work(in), [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1; ++r)
        for (int c = 0; c < channels; ++c) dx[r * channels + c] += d_out[r * channels + c] * gamma[c] * inv_std[c];
    });
    return;
  }
  // dx = gamma * inv_std * (dy - mean(dy) - x_hat * mean(dy * x_hat)): the mean and variance
  // depend on every x of the channel, which adds the two centring terms.
  const float count = static_cast<float>(rows);
  kernels::parallel_ranges(rows, 1, pass_work(in), [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r)
      for (int c = 0; c < channels; ++c) {
        const size_t i = r * channels + c;
        const float x_hat = (in[i] - mean[c]) * inv_std[c];
        dx[i] += gamma[c] * inv_std[c] * (d_out[i] - sum_dy[c] / count - x_hat * sum_dy_xhat[c] / count);
      }
  });
}

BatchNorm::BatchNorm(std::string name, int channels, float epsilon, float momentum, Activation activation)
    : Layer(std::move(name)), epsilon_(epsilon), momentum_(momentum), activation_(activation) {
  if (channels <= 0) fail("BatchNorm '", this->name(), "': channels must be positive, got ", channels);
  if (!(epsilon > 0.0f)) fail("BatchNorm '", this->name(), "': epsilon must be positive, got ", epsilon);
  if (!(momentum >= 0.0f && momentum <= 1.0f)) {
    fail("BatchNorm '", this->name(), "': momentum must lie in [0, 1], got ", momentum);
  }
  gamma_ = Tensor(Shape{channels});
  gamma_.fill(1.0f);
  beta_ = Tensor(Shape{channels});
  moving_mean_ = Tensor(Shape{channels});
  moving_variance_ = Tensor(Shape{channels});
  moving_variance_.fill(1.0f);
}

Shape BatchNorm::output_shape(std::span<const Shape> inputs) const {
  expect_input_count(inputs.size());
  const Shape& in = inputs[0];
  if ((in.rank() != 2 && in.rank() != 4) || in.c() != channels()) {
    fail("BatchNorm '", name(), "': expected an input [N, H, W, ", channels(), "] or [N, ", channels(), "], got ",
         in.str(), "; build the layer with the channel count of its input");
  }
  return in;
}

void BatchNorm::forward(Tensor& out, Inputs in, Phase phase) {
  const Tensor& x = *in[0];
  used_batch_stats_ = phase == Phase::training;
  if (used_batch_stats_) {
    batch_norm_statistics(batch_mean_, batch_variance_, x);
    inverse_std(inv_std_, batch_variance_, epsilon_);
    batch_norm_forward(out, x, gamma_, beta_, batch_mean_, inv_std_, activation_);
    for (int c = 0; c < channels(); ++c) {
      moving_mean_[c] = momentum_ * moving_mean_[c] + (1.0f - momentum_) * batch_mean_[c];
      moving_variance_[c] = momentum_ * moving_variance_[c] + (1.0f - momentum_) * batch_variance_[c];
    }
  } else {
    inverse_std(inv_std_, moving_variance_, epsilon_);
    batch_norm_forward(out, x, gamma_, beta_, moving_mean_, inv_std_, activation_);
  }
}

void BatchNorm::backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                         const BackwardRequest& request) {
  if (d_in[0] == nullptr && !request.weight_grads) return;
  if (inv_std_.size() != static_cast<size_t>(channels())) {
    fail("BatchNorm '", name(), "': backward needs the statistics of a forward pass; run forward first");
  }
  if (request.weight_grads) allocate_gradients();
  const Tensor* grad = &d_out;
  if (activation_ != Activation::none) {
    masked_grad_.reshape_storage(d_out.shape());
    activation_backward(masked_grad_.data(), d_out.data(), out.data(), d_out.size(), activation_cap(activation_),
                        request.relu);
    grad = &masked_grad_;
  }
  batch_norm_backward(d_in[0], request.weight_grads ? &gamma_grad_ : nullptr,
                      request.weight_grads ? &beta_grad_ : nullptr, *grad, *in[0], gamma_,
                      used_batch_stats_ ? batch_mean_ : moving_mean_, inv_std_, used_batch_stats_);
}

void BatchNorm::allocate_gradients() {
  if (gamma_grad_.empty()) gamma_grad_ = Tensor(gamma_.shape());
  if (beta_grad_.empty()) beta_grad_ = Tensor(beta_.shape());
}

std::vector<Parameter> BatchNorm::parameters() {
  allocate_gradients();
  return {{"gamma", &gamma_, &gamma_grad_}, {"beta", &beta_, &beta_grad_}};
}

std::vector<NamedBuffer> BatchNorm::buffers() {
  return {{"moving_mean", &moving_mean_}, {"moving_variance", &moving_variance_}};
}

FoldedConv fold_batch_norm(const Tensor& weights, const Tensor* bias, const BatchNorm& bn) {
  const int channels = bn.channels();
  if (weights.empty() || weights.shape().c() != channels) {
    fail("fold_batch_norm: BatchNorm '", bn.name(), "' has ", channels, " channels but the weights have shape ",
         weights.shape().str(), "; its last axis must be the ", channels, " output channels");
  }
  if (bias != nullptr && bias->shape() != Shape{channels}) {
    fail("fold_batch_norm: BatchNorm '", bn.name(), "' needs a bias of shape [", channels, "], got ",
         bias->shape().str());
  }
  FoldedConv folded{weights.clone(), Tensor(Shape{channels})};
  std::vector<float> scale(channels);
  for (int c = 0; c < channels; ++c) {
    scale[c] = bn.gamma()[c] / std::sqrt(bn.moving_variance()[c] + bn.epsilon());
    const float original_bias = bias != nullptr ? (*bias)[c] : 0.0f;
    folded.bias[c] = (original_bias - bn.moving_mean()[c]) * scale[c] + bn.beta()[c];
  }
  for (size_t i = 0; i < folded.weights.size(); ++i) folded.weights[i] *= scale[i % channels];
  return folded;
}

}  // namespace camlens
