#pragma once
// Affine: y[..., c] = x[..., c] * scale[c] + offset[c] over the last axis (channels).
// `scale` and `offset` each hold one value (shared by every channel) or one per channel. They are
// constants, not trained: Keras' Rescaling (one scale, one offset) and TensorFlow's BiasAdd or
// Add of a constant when no convolution or dense layer can absorb the bias.
#include <vector>

#include "layers/layer.h"

namespace camlens {

// `scale` and `offset` have 1 or `in.shape().c()` values each (checked by the layer).
void affine_forward(Tensor& out, const Tensor& in, const std::vector<float>& scale, const std::vector<float>& offset);
void affine_backward(Tensor& d_in, const Tensor& d_out, const std::vector<float>& scale);

class Affine : public Layer {
 public:
  Affine(std::string name, std::vector<float> scale, std::vector<float> offset);

  const char* kind() const override { return "Affine"; }
  bool per_pixel() const override { return true; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;

  const std::vector<float>& scale() const { return scale_; }
  const std::vector<float>& offset() const { return offset_; }

 private:
  std::vector<float> scale_, offset_;
};

}  // namespace camlens
