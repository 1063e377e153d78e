#pragma once
// Shared by MaxPool and AvgPool: resolves a pooling window against an NHWC input shape.
#include <memory>
#include <string>

#include "core/tensor.h"
#include "kernels/pool.h"
#include "kernels/window.h"
#include "layers/layer.h"

namespace camlens {

// Throws an Error naming `kind` and `name` unless the input is rank 4 and the window fits it
// with every window keeping at least one in-bounds pixel (pads smaller than the window).
kernels::PoolGeometry pool_geometry(const Window2D& window, const Shape& in, const char* kind,
                                    const std::string& name);

// A layer pooling over a window: what MaxPool and AvgPool share besides their kernels.
class WindowPoolLayer : public Layer {
 public:
  // window.kernel_h/kernel_w is the pooling window; dilation must stay 1.
  WindowPoolLayer(std::string name, const Window2D& window) : Layer(std::move(name)), window_(window) {}

  Shape output_shape(std::span<const Shape> inputs) const override;
  const Window2D& window() const { return window_; }

 protected:
  kernels::PoolGeometry geometry(const Shape& in) const { return pool_geometry(window_, in, kind(), name()); }
  std::unique_ptr<kernels::PoolForward> forward_cache_;  // created by the first forward pass

 private:
  Window2D window_;
};

}  // namespace camlens
