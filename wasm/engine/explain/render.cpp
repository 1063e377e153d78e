#include "explain/render.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/error.h"

namespace camlens::explain {

Image heatmap_image(const Map& map, Colormap colormap) {
  if (map.empty()) fail("explain: heatmap_image was given an empty map");
  const std::vector<std::uint8_t> colours = apply_colormap(map, colormap);
  Image out(map.width, map.height, 3);
  std::memcpy(out.data(), colours.data(), colours.size());
  return out;
}

namespace {

void check_overlay(const Image& image, const Map& map, const CropBox& box, const char* caller) {
  if (image.channels() != 3) {
    fail("explain: ", caller, " needs an RGB image, got ", image.channels(),
         " channel(s); decode with DecodeOptions::channels = 3");
  }
  if (map.width != box.width || map.height != box.height) {
    fail("explain: ", caller, " needs a map of the box's size ", box.height, " x ", box.width,
         " (height x width), got ", map.height, " x ", map.width, "; post-process the map to the box's size");
  }
  check_crop_box(image, box, caller);
}

RgbaPictures coloured_pictures(const std::uint8_t* photo, size_t photo_row_size, const Map& map, Colormap colormap,
                               float alpha) {
  RgbaPictures out{Image(map.width, map.height, 4), Image(map.width, map.height, 4)};
  colour_rgba(map, photo, photo_row_size, colormap, alpha, out.heatmap.data(), out.overlay.data());
  return out;
}

}  // namespace

Image overlay_image(const Image& image, const Map& map, const CropBox& box, Colormap colormap, float alpha) {
  check_overlay(image, map, box, "overlay_image");
  const Image region = crop_image(image, box);
  const std::vector<std::uint8_t> blended = overlay(region.bytes(), map, colormap, alpha);
  Image out = image.clone();
  for (int y = 0; y < box.height; ++y) {
    std::memcpy(out.pixel(box.x, box.y + y), blended.data() + static_cast<size_t>(y) * region.row_size(),
                region.row_size());
  }
  return out;
}

Image overlay_image(const Image& image, const Map& map, Colormap colormap, float alpha) {
  return overlay_image(image, map, CropBox{0, 0, image.width(), image.height()}, colormap, alpha);
}

RgbaPictures rgba_pictures(const Image& image, const Map& map, const CropBox& box, Colormap colormap, float alpha) {
  check_overlay(image, map, box, "rgba_pictures");
  return coloured_pictures(image.pixel(box.x, box.y), image.row_size(), map, colormap, alpha);
}

RgbaPictures rgba_pictures(const Image& region, const Map& map, Colormap colormap, float alpha) {
  check_overlay(region, map, {0, 0, region.width(), region.height()}, "rgba_pictures");
  return coloured_pictures(region.data(), region.row_size(), map, colormap, alpha);
}

MapSize drawn_size(const CropBox& box, int max_side) {
  const int longer = std::max(box.width, box.height);
  if (max_side <= 0 || longer <= max_side) return {box.height, box.width};
  const double scale = static_cast<double>(max_side) / longer;
  auto side = [&](int length) { return std::max(1, static_cast<int>(std::lround(length * scale))); };
  return {side(box.height), side(box.width)};
}

Image fitted_picture(const Image& rgb, int side) {
  if (rgb.empty() || rgb.channels() != 3 || side < 1) fail("fitted_picture: needs an RGB image and a side of at least 1");
  const double factor = static_cast<double>(side) / std::max(rgb.width(), rgb.height());
  const int width = std::max(1, static_cast<int>(std::lround(rgb.width() * factor)));
  const int height = std::max(1, static_cast<int>(std::lround(rgb.height() * factor)));
  if (factor <= 1.0) return crop_image(rgb, CropBox{0, 0, rgb.width(), rgb.height()}, width, height);
  Image out(width, height, 3);
  for (int y = 0; y < height; ++y) {
    const int source_y = std::min(rgb.height() - 1, static_cast<int>((y + 0.5) / factor));
    for (int x = 0; x < width; ++x) {
      const int source_x = std::min(rgb.width() - 1, static_cast<int>((x + 0.5) / factor));
      std::memcpy(out.pixel(x, y), rgb.pixel(source_x, source_y), 3);
    }
  }
  return out;
}

}  // namespace camlens::explain
