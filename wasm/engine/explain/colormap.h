#pragma once
// Colormaps for normalised maps and the heatmap overlay, on RGB8 pixels (row-major, 3 bytes per
// pixel, red first).
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "explain/map.h"

namespace camlens::explain {

enum class Colormap {
  jet,      // the CAM literature's (OpenCV's COLORMAP_JET, MATLAB's jet): dark blue -> red -> dark red
  viridis,  // matplotlib's perceptually uniform maps
  inferno,
  gray,     // black -> white
};

struct Rgb8 {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb8&) const = default;
};

// The 256 colours of a colormap, index 0 for the map's 0.
const std::array<Rgb8, 256>& colormap_table(Colormap colormap);
// The colour of `value` in [0, 1] (clamped; NaN counts as 0): table entry floor(255 * value), as
// pytorch-grad-cam's np.uint8(255 * mask).
Rgb8 colormap_color(Colormap colormap, float value);
// Every pixel of `map` coloured: height * width * 3 bytes.
std::vector<uint8_t> apply_colormap(const Map& map, Colormap colormap);

// Blends the coloured map over `image_rgb` (RGB8 of the map's size):
// out = round(heat * alpha + image * (1 - alpha)) per channel; alpha 0.4: 40% heat over the image.
std::vector<uint8_t> overlay(std::span<const uint8_t> image_rgb, const Map& map, Colormap colormap = Colormap::jet,
                             float alpha = 0.4f);

// The page's two pictures of `map` at once, RGBA with alpha 255: `heat_rgba` its colours (as
// apply_colormap) and `overlay_rgba` them blended over the photo (as overlay()), each map.height *
// map.width * 4 bytes; the photo's RGB row y starts at photo_rgb + y * photo_stride. One colour
// lookup a pixel serves both, and no RGB copy is made to widen afterwards.
void colour_rgba(const Map& map, const uint8_t* photo_rgb, size_t photo_stride, Colormap colormap, float alpha,
                 uint8_t* heat_rgba, uint8_t* overlay_rgba);

// "jet", "viridis", "inferno", "gray"; an Error listing them for any other name.
Colormap colormap_named(std::string_view name);
std::string_view colormap_name(Colormap colormap);

}  // namespace camlens::explain
