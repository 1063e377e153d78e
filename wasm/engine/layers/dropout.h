#pragma once
// Dropout: identity in inference. In training each element is kept with probability 1 - rate
// and scaled by 1 / (1 - rate) (inverted dropout, so inference needs no rescaling). Masks are
// deterministic: the n-th training forward of a layer built with a given seed always draws the
// same mask, natively and in WebAssembly alike. The mask is kept for backward.
#include <cstdint>

#include "layers/layer.h"

namespace camlens {

// Fills `mask` (same shape as `in`) with 0 or 1 / (1 - rate) from (seed, draw) and applies it.
void dropout_forward(Tensor& out, Tensor& mask, const Tensor& in, float rate, uint64_t seed, uint64_t draw);
void dropout_backward(Tensor& d_in, const Tensor& d_out, const Tensor& mask);

class Dropout : public Layer {
 public:
  Dropout(std::string name, float rate, uint64_t seed = 0);

  const char* kind() const override { return "Dropout"; }
  bool per_pixel() const override { return true; }
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Tensor& out, Inputs in, Phase phase) override;
  void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                const BackwardRequest& request) override;
  float rate() const { return rate_; }

 private:
  float rate_;
  uint64_t seed_;
  uint64_t draws_ = 0;     // training forwards so far: each draws a fresh mask
  Tensor mask_;            // the last training forward's mask
  bool masked_ = false;    // whether the last forward was in training (backward applies mask_)
};

}  // namespace camlens
