#pragma once
// Batch normalisation over the last axis (channels) of an NHWC or [N, C] input:
//   y = (x - mean) * inv_std * gamma + beta,   inv_std = 1 / sqrt(variance + epsilon).
// Inference uses the moving statistics. Training (Phase::training) uses the batch's own mean and
// (biased) variance over every axis but the last, updates the moving statistics with
//   moving = momentum * moving + (1 - momentum) * batch,
// and its backward carries the gradient through the batch statistics too.
// Trainable parameters: gamma and beta. The moving statistics are state, not trained.
// An optional fused ReLU (or ReLU6) clamps y in the same pass: training graphs use it so that a
// BatchNorm -> ReLU pair costs no separate activation buffer, gradient buffer or passes over them.
#include "layers/layer.h"

namespace camlens {

// Per-channel mean and biased variance of `in` over every axis but the last.
void batch_norm_statistics(Tensor& mean, Tensor& variance, const Tensor& in);
// out = (in - mean) * inv_std * gamma + beta, per channel, then the activation (none, ReLU, ReLU6).
void batch_norm_forward(Tensor& out, const Tensor& in, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                        const Tensor& inv_std, Activation activation = Activation::none);
// Accumulates into d_in, d_gamma, d_beta (each may be null). With `through_batch_stats`, mean and
// inv_std are taken as functions of `in` (training); otherwise as constants (inference).
void batch_norm_backward(Tensor* d_in, Tensor* d_gamma, Tensor* d_beta, const Tensor& d_out, const Tensor& in,
                         const Tensor& gamma, const Tensor& mean, const Tensor& inv_std, bool through_batch_stats);

class BatchNorm : public Layer {
 public:
  // Keras' defaults: epsilon 1e-3, momentum 0.99. gamma = 1, beta = 0, moving mean 0, variance 1.
  BatchNorm(std::string name, int channels, float epsilon = 1e-3f, float momentum = 0.99f,
            Activation activation = Activation::none);

  const char* kind() const override { return "BatchNorm"; }
  bool per_pixel() const override { return true; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  std::vector<Parameter> parameters() override;
  std::vector<NamedBuffer> buffers() override;

  int channels() const { return gamma_.shape()[0]; }
  float epsilon() const { return epsilon_; }
  float momentum() const { return momentum_; }
  Activation activation() const { return activation_; }
  Tensor& gamma() { return gamma_; }
  Tensor& beta() { return beta_; }
  Tensor& moving_mean() { return moving_mean_; }
  Tensor& moving_variance() { return moving_variance_; }
  const Tensor& gamma() const { return gamma_; }
  const Tensor& beta() const { return beta_; }
  const Tensor& moving_mean() const { return moving_mean_; }
  const Tensor& moving_variance() const { return moving_variance_; }

 private:
  void allocate_gradients();

  float epsilon_, momentum_;
  Activation activation_;
  Tensor masked_grad_;  // d_out through the fused activation's backward, reused between steps
  Tensor gamma_, beta_, moving_mean_, moving_variance_;
  Tensor gamma_grad_, beta_grad_;  // empty until first needed
  // What the last forward normalised with, for backward: the batch's statistics in training,
  // the moving ones (unchanged since) in inference.
  Tensor batch_mean_, batch_variance_, inv_std_;
  bool used_batch_stats_ = false;
};

// A convolution's (or dense layer's) weights and bias with an inference BatchNorm folded in, so that
// conv(x, weights, bias) = bn(conv(x, original weights, original bias)).
struct FoldedConv {
  Tensor weights;
  Tensor bias;
};
// The weights' last axis is the output channel (Conv2D [kh, kw, in_c, out_c], Dense [in_c, out_c]);
// `bias` [out_c] may be null (zero).
FoldedConv fold_batch_norm(const Tensor& weights, const Tensor* bias, const BatchNorm& bn);

}  // namespace camlens
