#pragma once
// Resize2D: [N, H, W, C] -> [N, out_h, out_w, C], bilinear or nearest-neighbour, with TensorFlow's
// two coordinate conventions (TensorFlow.js's ResizeBilinear and ResizeNearestNeighbor kernels):
//   align_corners       the corner pixels' centres map onto each other: scale (in - 1) / (out - 1)
//   half_pixel_centers  pixel centres sit at i + 0.5: bilinear reads (o + 0.5) * scale - 0.5,
//                       nearest floor((o + 0.5) * scale)
//   neither             o * scale with scale in / out (nearest takes the floor, or with
//                       align_corners the rounded value)
// Source indices clamp to the image. Backward hands each input value its share of every output
// it fed: the bilinear weights, or all of a nearest neighbour's gradient.
#include "layers/layer.h"

namespace camlens {

enum class ResizeMethod { bilinear, nearest };

struct ResizeParams {
  int height = 0, width = 0;  // the output's
  ResizeMethod method = ResizeMethod::bilinear;
  bool align_corners = false;
  bool half_pixel_centers = false;
};

void resize_forward(Tensor& out, const Tensor& in, const ResizeParams& p);
// Accumulates into d_in.
void resize_backward(Tensor& d_in, const Tensor& d_out, const ResizeParams& p);

class Resize2D : public Layer {
 public:
  Resize2D(std::string name, const ResizeParams& params);

  const char* kind() const override { return "Resize2D"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  const ResizeParams& params() const { return params_; }

 private:
  ResizeParams params_;
};

}  // namespace camlens
