#pragma once
// Concatenate along the last axis (channels): any number of inputs whose other dimensions match.
#include "layers/layer.h"

namespace camlens {

void concatenate_forward(Tensor& out, Inputs in);
// Each wanted input receives its own slice of the output gradient; `in` gives the slice widths.
void concatenate_backward(InputGrads d_in, const Tensor& d_out, Inputs in);

class Concatenate : public Layer {
 public:
  explicit Concatenate(std::string name) : Layer(std::move(name)) {}

  const char* kind() const override { return "Concatenate"; }
  int input_count() const override { return -1; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
};

}  // namespace camlens
