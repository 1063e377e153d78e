#pragma once
// Forward passes of inputs that differ from one base input only inside a rectangle each (occlusion's
// patches). The base input's activations are kept once; then each layer recomputes only the part of
// its output that the changed rectangles reach and takes the rest from the base pass:
// - a layer sliding a window (convolutions, max pooling) computes that part from the crop of its
//   input under it, padded by hand as the layer pads, with a copy of itself that pads nothing;
// - a layer working pixel by pixel (ReLU, Add, batch norm...) computes it from the same part of
//   its inputs;
// - any other layer (global pooling, dense, resize...) computes its whole output, and everything
//   after it does too.
// A part is a rectangle of the same size for every item of a batch, so each layer still runs one
// batched call. The values are a full forward pass's: the same sums over the same inputs.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "layers/layer.h"

namespace camlens {

class Graph;

// Rows [top, bottom) and columns [left, right) of a feature map; empty when either range is.
struct Region {
  int top = 0, left = 0, bottom = 0, right = 0;
  bool empty() const { return top >= bottom || left >= right; }
  bool operator==(const Region&) const = default;
};

class RegionForward {
 public:
  // Runs `base` ([1, H, W, C]) through `graph` and keeps every activation node `until` depends on.
  // The graph must stay unchanged while this lives; its own activations are free for other passes.
  RegionForward(Graph& graph, const Tensor& base, const std::string& until);
  ~RegionForward();
  RegionForward(const RegionForward&) = delete;
  RegionForward& operator=(const RegionForward&) = delete;

  // Node `until`'s output for `batch` ([N, H, W, C]), whose item i equals the base input outside
  // `changed[i]` (in input pixels). Valid until the next call.
  const Tensor& forward(const Tensor& batch, std::span<const Region> changed);

  // The output pixels the last call computed, summed over every layer, over those a full forward
  // pass of the same batch computes.
  double computed_fraction() const { return computed_fraction_; }

 private:
  struct Step;
  struct Part;

  bool reads_same_map(const Step& step) const;
  void run_window(Step& step, Part& part, int items);
  void run_per_pixel(Step& step, Part& part, int items);
  void run_whole(Step& step, Part& part, int items);
  void run_layer(Step& step, Part& part, int items, int crop_h, int crop_w);
  static void place_crops(Part& part, int crop_h, int crop_w, int height, int width);
  void gather_item(int step, int item, int y0, int x0, int rows, int cols, float pad, float* dst) const;
  const Tensor& whole_values(size_t step, Tensor& scratch);

  std::vector<Step> steps_;
  std::vector<Part> parts_;
  Tensor output_;
  double computed_fraction_ = 1.0;
};

}  // namespace camlens
