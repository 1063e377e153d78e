#pragma once
// Maps: one float per pixel, row-major, and the post-processing every explanation shares
// (pytorch-grad-cam's scale_cam_image): ReLU, min-max, bilinear resize, min-max again.
#include <span>
#include <vector>

namespace camlens::explain {

struct Map {
  int height = 0, width = 0;
  std::vector<float> values;  // height * width, row-major

  Map() = default;
  Map(int height, int width);  // zero-filled
  float& at(int y, int x) { return values[static_cast<size_t>(y) * width + x]; }
  float at(int y, int x) const { return values[static_cast<size_t>(y) * width + x]; }
  bool empty() const { return values.empty(); }
};

struct MapSize {
  int height = 0, width = 0;
  bool operator==(const MapSize&) const = default;
};

// Where a resize samples the source for output pixel x (scale = in_size / out_size).
enum class PixelCentres {
  half_pixel,     // src = (x + 0.5) * scale - 0.5: OpenCV's resize, TensorFlow's half_pixel_centers
  align_corners,  // src = x * (in - 1) / (out - 1): corners map onto corners (PyTorch's UpsamplingBilinear2d)
};

// max(x, 0) everywhere.
void relu_inplace(Map& map);
// x -= min; x /= (1e-7 + max): values in [0, 1); a constant map becomes all zeros.
void min_max_normalize(Map& map);
// Bilinear resize; source coordinates outside [0, size - 1] are clamped to the edge.
Map resize_bilinear(const Map& map, MapSize size, PixelCentres centres = PixelCentres::half_pixel);

// How a map at layer resolution reaches a larger size.
enum class Upsampling {
  bilinear,  // half-pixel centres: the smooth map the CAM papers show
  nearest,   // each pixel takes the cell it falls in: the layer's raw cells, as blocks
};

// Nearest-neighbour resize with half-pixel centres: output pixel x reads source floor((x + 0.5) * in / out).
Map resize_nearest(const Map& map, MapSize size);

// ReLU -> min-max -> resize (bilinear with half-pixel centres, as pytorch-grad-cam does, or nearest) to
// `size` -> min-max.
Map postprocess(const Map& raw, MapSize size, Upsampling upsampling = Upsampling::bilinear);
// ReLU -> min-max at the map's own resolution.
Map normalized(const Map& raw);

}  // namespace camlens::explain
