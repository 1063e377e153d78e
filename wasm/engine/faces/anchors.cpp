#include "faces/anchors.h"

#include "core/error.h"

namespace camlens {

std::vector<Anchor> ssd_anchors(const SsdAnchorOptions& options) {
  if (options.input_width <= 0 || options.input_height <= 0 || options.anchors_per_layer <= 0) {
    fail("SSD anchors: the input size (", options.input_width, "x", options.input_height, ") and anchors per layer (",
         options.anchors_per_layer, ") must be positive");
  }
  std::vector<Anchor> anchors;
  for (size_t layer = 0; layer < options.strides.size();) {
    const int stride = options.strides[layer];
    if (stride <= 0) fail("SSD anchors: stride ", stride, " of layer ", layer, " must be positive");
    // Consecutive layers with the same stride share one grid: each cell holds all their anchors.
    size_t last = layer;
    while (last + 1 < options.strides.size() && options.strides[last + 1] == stride) ++last;
    const int per_cell = static_cast<int>(last - layer + 1) * options.anchors_per_layer;
    const int rows = (options.input_height + stride - 1) / stride;
    const int cols = (options.input_width + stride - 1) / stride;
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < cols; ++x) {
        const Anchor anchor{(x + options.offset) / cols, (y + options.offset) / rows};
        anchors.insert(anchors.end(), static_cast<size_t>(per_cell), anchor);
      }
    }
    layer = last + 1;
  }
  return anchors;
}

}  // namespace camlens
