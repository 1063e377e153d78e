#pragma once
// ChannelSlice: every `stride`-th value along the last axis (channels), `count` of them from
// `begin`: y[..., j] = x[..., begin + j * stride]. TensorFlow's StridedSlice on the last axis
// (SSR-Net's heads pick single columns of [N, 3] outputs this way).
#include "layers/layer.h"

namespace camlens {

struct SliceParams {
  int begin = 0;   // the first channel taken
  int count = 1;   // channels in the output
  int stride = 1;  // the step between taken channels, >= 1
};

void channel_slice_forward(Tensor& out, const Tensor& in, const SliceParams& p);
// Each taken channel receives its output's gradient; the others receive nothing.
void channel_slice_backward(Tensor& d_in, const Tensor& d_out, const SliceParams& p);

class ChannelSlice : public Layer {
 public:
  ChannelSlice(std::string name, SliceParams params);

  const char* kind() const override { return "Slice"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;

  const SliceParams& params() const { return params_; }

 private:
  SliceParams params_;
};

}  // namespace camlens
