#pragma once
// SSD anchors as MediaPipe's SsdAnchorsCalculator lays them out for BlazeFace: one grid of cells per
// feature layer, the cell's centre as the anchor's centre (in fractions of the input), and layers
// that share a stride merged into one grid whose cells hold all their anchors. With fixed anchor
// sizes (BlazeFace's case) only the centres matter; the boxes the model regresses carry the size.
#include <vector>

namespace camlens {

struct Anchor {
  float x = 0.0f;  // centre, as a fraction of the input's width
  float y = 0.0f;  // centre, as a fraction of the input's height
};

struct SsdAnchorOptions {
  int input_width = 0;
  int input_height = 0;
  std::vector<int> strides;  // one per feature layer, in the model's output order
  int anchors_per_layer = 2;  // one aspect ratio (1.0) plus the interpolated scale: 2 per layer
  float offset = 0.5f;        // where in its cell an anchor sits
};

// Anchors row by row, cell by cell within a row, all of a cell's anchors together: the order of the
// model's outputs. BlazeFace's back model (256x256, strides 16, 32, 32, 32) gets 16x16x2 + 8x8x6 = 896.
std::vector<Anchor> ssd_anchors(const SsdAnchorOptions& options);

}  // namespace camlens
