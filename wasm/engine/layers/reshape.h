#pragma once
// Reshape: keeps the batch axis and gives each item a new shape with the same number of values
// (Keras' Reshape). One target dimension may be -1: it takes whatever size makes the count match.
#include <vector>

#include "layers/layer.h"

namespace camlens {

void reshape_forward(Tensor& out, const Tensor& in);
void reshape_backward(Tensor& d_in, const Tensor& d_out);

class Reshape : public Layer {
 public:
  // `target` excludes the batch axis: 1 to 3 dimensions, e.g. {7, 7, 16}.
  Reshape(std::string name, std::vector<int> target);

  const char* kind() const override { return "Reshape"; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  const std::vector<int>& target() const { return target_; }

 private:
  std::string target_str() const;  // "[N, 7, 7, 16]"

  std::vector<int> target_;
};

}  // namespace camlens
