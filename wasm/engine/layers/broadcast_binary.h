#pragma once
// Element-wise Add, Sub, Mul or Div of two computed tensors: of equal shape (SiLU as x * sigmoid(x)),
// or the second one value per channel [N, C] broadcast over the first's pixels [N, H, W, C]
// (squeeze-and-excitation's per-channel scale of a feature map).
#include "layers/layer.h"

namespace camlens {

enum class BinaryOp { add, subtract, multiply, divide };

void broadcast_binary_forward(Tensor& out, const Tensor& a, const Tensor& b, BinaryOp op);
// d_a and d_b may be null; a broadcast b receives its gradient summed over the pixels.
void broadcast_binary_backward(Tensor* d_a, Tensor* d_b, const Tensor& d_out, const Tensor& a, const Tensor& b,
                               const Tensor& out, BinaryOp op);

class BroadcastBinary : public Layer {
 public:
  BroadcastBinary(std::string name, BinaryOp op) : Layer(std::move(name)), op_(op) {}

  const char* kind() const override;
  int input_count() const override { return 2; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;

  BinaryOp op() const { return op_; }

 private:
  BinaryOp op_;
};

}  // namespace camlens
