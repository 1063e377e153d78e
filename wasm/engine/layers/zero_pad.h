#pragma once
// ZeroPad2D: [N, H, W, C] -> [N, top + H + bottom, left + W + right, C], zeros around each image
// (Keras' ZeroPadding2D). Backward hands each input pixel the gradient of where it landed.
#include "kernels/window.h"
#include "layers/layer.h"

namespace camlens {

void zero_pad_forward(Tensor& out, const Tensor& in, const Padding& pad);
void zero_pad_backward(Tensor& d_in, const Tensor& d_out, const Padding& pad);

class ZeroPad2D : public Layer {
 public:
  ZeroPad2D(std::string name, const Padding& pad);

  const char* kind() const override { return "ZeroPad2D"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  const Padding& padding() const { return pad_; }

 private:
  Padding pad_;
};

}  // namespace camlens
