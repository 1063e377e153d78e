#pragma once
// The contract every layer kind keeps. A layer owns its parameters and their gradients; the
// graph owns activations. forward and backward take their arguments in the same order, outputs
// first (llm.c style); backward accumulates (+=) into every gradient it writes.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/window.h"

namespace camlens {

enum class Phase { inference, training };

// How ReLU-like nonlinearities pass gradients back (guided backprop and deconvnet need the others).
enum class ReluBackward {
  normal,     // grad * (x > 0)
  guided,     // grad * (x > 0) * (grad > 0)
  deconvnet,  // grad * (grad > 0)
};

struct BackwardRequest {
  // Explanations want input gradients only and must not pay for weight gradients.
  bool weight_grads = false;
  ReluBackward relu = ReluBackward::normal;
};

struct Parameter {
  std::string name;  // e.g. "kernel", "bias"
  Tensor* value;
  Tensor* grad;      // same shape as value; zeroed by the caller between steps
};

struct NamedBuffer {
  std::string name;  // e.g. "moving_mean"
  Tensor* value;
};

// A window a layer slides over its input (convolutions, max pooling), and the value its padding
// stands for: what a part of the output needs from the input (graph/region_forward.h).
struct SlidingWindow {
  Window2D window;
  float pad_value = 0.0f;
};

using Inputs = std::span<const Tensor* const>;
using InputGrads = std::span<Tensor* const>;  // an entry may be null: that gradient is not wanted

class Layer {
 public:
  explicit Layer(std::string name) : name_(std::move(name)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const std::string& name() const { return name_; }
  virtual const char* kind() const = 0;
  virtual int input_count() const { return 1; }  // -1: any number >= 1

  // Output shape for these input shapes; throws an Error naming the layer on a mismatch.
  virtual Shape output_shape(std::span<const Shape> inputs) const = 0;
  // `out` already has output_shape(inputs); forward overwrites it.
  virtual void forward(Tensor& out, Inputs in, Phase phase) = 0;
  // d_in[i] (when not null) has the shape of in[i] and receives += dL/d in[i].
  // `out` is what forward produced for `in`, in the same phase.
  virtual void backward(InputGrads d_in, const Tensor& d_out, Inputs in, const Tensor& out,
                        const BackwardRequest& request) = 0;

  // Whether forward_relu can apply a ReLU capped at `cap` (+inf or 6) to this layer's output in the
  // same pass: a graph then runs the layer and the ReLU reading it as one, writing memory once.
  virtual bool fuses_relu(float /*cap*/) const { return false; }
  // forward followed by min(max(y, 0), cap); only when fuses_relu(cap).
  virtual void forward_relu(Tensor& out, Inputs in, Phase phase, float cap);

  // How an inference output pixel depends on the input, for recomputing only the part of an output
  // that a changed part of the input reaches. per_pixel: on the same pixel of every input, by
  // parameters the same at every position (shapes [H, W, C] of any H and W are accepted).
  virtual bool per_pixel() const { return false; }
  // A layer that slides a window: the window, and a copy of the layer that pads nothing, which
  // computes any part of the output from the crop of the input under it padded with pad_value.
  virtual std::optional<SlidingWindow> sliding_window() const { return std::nullopt; }
  virtual std::unique_ptr<Layer> unpadded_copy() const { return nullptr; }

  // Trainable parameters with their gradient buffers (allocated on first call).
  virtual std::vector<Parameter> parameters() { return {}; }
  // Called after parameters changed (optimiser step, import) so cached packed weights are rebuilt.
  virtual void parameters_changed() {}
  // State that training updates without gradients (BatchNorm's moving statistics): a resumed run
  // must restore it along with the parameters.
  virtual std::vector<NamedBuffer> buffers() { return {}; }

 protected:
  // Throws unless exactly `count` inputs were given.
  void expect_input_count(size_t given) const;

 private:
  std::string name_;
};

// Whether a (capped) ReLU passes gradient g back, given its output y: y lies strictly inside
// (0, cap) exactly where the pre-activation did. The mode is fixed at compile time and nothing
// short-circuits, so loops over it compile to vector selects: about half of a ReLU's outputs are
// zero, in no pattern a branch predictor can learn.
template <ReluBackward mode>
inline bool relu_passes(float y, float g, float cap) {
  if constexpr (mode == ReluBackward::normal) return (y > 0.0f) & (y < cap);
  else if constexpr (mode == ReluBackward::guided) return (y > 0.0f) & (y < cap) & (g > 0.0f);
  else return g > 0.0f;
}

// Calls loop.template operator()<mode>() with `mode` as a compile-time constant.
template <typename Loop>
void with_relu_mode(ReluBackward mode, Loop&& loop) {
  switch (mode) {
    case ReluBackward::normal: return loop.template operator()<ReluBackward::normal>();
    case ReluBackward::guided: return loop.template operator()<ReluBackward::guided>();
    case ReluBackward::deconvnet: return loop.template operator()<ReluBackward::deconvnet>();
  }
}

// The upper clamp of a fused activation: 6 for ReLU6, infinity otherwise (ReLU, or none).
float activation_cap(Activation activation);

// A fused activation's backward in one pass: masked[i] = grad[i] where the activation (known by its
// output `out`) passed the gradient, else 0. `masked` may be `grad` itself.
void activation_backward(float* masked, const float* grad, const float* out, size_t count, float cap,
                         ReluBackward mode);

}  // namespace camlens
