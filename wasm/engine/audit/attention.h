#pragma once
// Where one map looks relative to the object: the share of its positive energy inside the object
// (the energy-based pointing game of the Score-CAM paper) and whether its peak lands on the object
// (the pointing game). The object is a mask at the map's resolution: from a segmentation, a box,
// or, for images of a bright object on a dark background (Fashion-MNIST), the bright pixels.
#include <cstdint>
#include <vector>

#include "explain/map.h"
#include "image/image.h"

namespace camlens::audit {

struct Mask {
  int height = 0, width = 0;
  std::vector<std::uint8_t> inside;  // height * width, row-major: 1 on the object

  Mask() = default;
  Mask(int height, int width) : height(height), width(width), inside(static_cast<size_t>(height) * width, 0) {}
  bool at(int y, int x) const { return inside[static_cast<size_t>(y) * width + x] != 0; }
  double coverage() const;  // the share of pixels on the object
};

struct Box {
  int x = 0, y = 0, width = 0, height = 0;
  bool operator==(const Box&) const = default;
};

// sum(relu(map) on the object) / sum(relu(map)); 0 for a map with no positive value. The map and
// the mask must be of one size.
double inside_share(const explain::Map& map, const Mask& mask);

// Whether the map's largest value (the first, in row order, on a tie) lies on the object; false
// for a map with no positive value.
bool pointing_hit(const explain::Map& map, const Mask& mask);

// The pixels of `image` (any channels; gray or the mean of R, G, B) brighter than `threshold` of
// the brightest, each output cell on the object when at least half of the image area it covers is.
Mask foreground_mask(const Image& image, explain::MapSize size, float threshold = 0.15f);

// A box given in an image's pixels, as a mask at `size` (a cell is inside when its centre is).
Mask box_mask(const Box& box, int image_width, int image_height, explain::MapSize size);

// The mask at another size, nearest cell by centre.
Mask resized(const Mask& mask, explain::MapSize size);

// ReLU, then scaled to a peak of 1 (left at zero when nothing is positive): maps of images of any
// contrast weigh the same in a class's mean.
explain::Map unit_peak(const explain::Map& map);

// The map averaged down to side x side cells (the map's area split evenly, partial cells weighted):
// the small fixed-size vector clustering compares.
std::vector<float> downsampled(const explain::Map& map, int side);

}  // namespace camlens::audit
