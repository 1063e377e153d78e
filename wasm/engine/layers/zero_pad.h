#pragma once
// ZeroPad2D: [N, H, W, C] -> [N, top + H + bottom, left + W + right, before + C + after], zeros
// around each image (Keras' ZeroPadding2D) and, optionally, zero channels around each pixel's
// channels (TensorFlow's Pad on the channel axis, which BlazeFace's residual shortcuts use to widen).
// Backward hands each input value the gradient of where it landed.
#include "kernels/window.h"
#include "layers/layer.h"

namespace camlens {

// Zero channels added before and after each pixel's own channels.
struct ChannelPadding {
  int before = 0;
  int after = 0;
  bool operator==(const ChannelPadding&) const = default;
};

void zero_pad_forward(Tensor& out, const Tensor& in, const Padding& pad, const ChannelPadding& channels = {});
void zero_pad_backward(Tensor& d_in, const Tensor& d_out, const Padding& pad, const ChannelPadding& channels = {});

class ZeroPad2D : public Layer {
 public:
  ZeroPad2D(std::string name, const Padding& pad, const ChannelPadding& channels = {});

  const char* kind() const override { return "ZeroPad2D"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  const Padding& padding() const { return pad_; }
  const ChannelPadding& channel_padding() const { return channels_; }

 private:
  Padding pad_;
  ChannelPadding channels_;
};

}  // namespace camlens
