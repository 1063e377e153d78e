#pragma once
// DepthwiseConv2D: each input channel convolved with `multiplier` slices of its own weights, as
// TensorFlow's DepthwiseConv2dNative. weights [kernel_h, kernel_w, in_c, multiplier], out_c = in_c * multiplier,
// output channel c * multiplier + m reads input channel c; bias [out_c] or absent; fused
// activation, window and padding as Conv2D (layers/conv2d.h), whose helpers it shares.
#include "layers/conv2d.h"

namespace camlens {

class DepthwiseConv2D final : public ConvolutionLayer {
 public:
  // kernel [kernel_h, kernel_w, in_c, multiplier]; bias [in_c * multiplier] or an empty Tensor for none.
  DepthwiseConv2D(std::string name, Tensor weights, Tensor bias, ConvParams params)
      : ConvolutionLayer(std::move(name), std::move(weights), std::move(bias), params, /*depthwise=*/true) {}
};

}  // namespace camlens
