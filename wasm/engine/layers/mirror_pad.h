#pragma once
// MirrorPad2D: [N, H, W, C] -> [N, top + H + bottom, left + W + right, C], each image padded with
// its own mirror image around H and W (TensorFlow's MirrorPad on the spatial axes):
//   reflect    mirrors about the edge pixel, which is not repeated: 3 2 | 1 2 3 | 2 1
//   symmetric  mirrors about the edge itself, repeating the edge pixel: 2 1 | 1 2 3 | 3 2
// Backward sums into each input value the gradients of every place it was copied to.
#include "kernels/window.h"
#include "layers/layer.h"

namespace camlens {

enum class MirrorMode { reflect, symmetric };

void mirror_pad_forward(Tensor& out, const Tensor& in, const Padding& pad, MirrorMode mode);
// Accumulates into d_in.
void mirror_pad_backward(Tensor& d_in, const Tensor& d_out, const Padding& pad, MirrorMode mode);

class MirrorPad2D : public Layer {
 public:
  MirrorPad2D(std::string name, const Padding& pad, MirrorMode mode);

  const char* kind() const override { return "MirrorPad2D"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  const Padding& padding() const { return pad_; }
  MirrorMode mode() const { return mode_; }

 private:
  Padding pad_;
  MirrorMode mode_;
};

}  // namespace camlens
