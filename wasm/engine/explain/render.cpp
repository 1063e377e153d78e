#include "explain/render.h"

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

Image overlay_image(const Image& image, const Map& map, const CropBox& box, Colormap colormap, float alpha) {
  if (image.channels() != 3) {
    fail("explain: overlay_image needs an RGB image, got ", image.channels(),
         " channel(s); decode with DecodeOptions::channels = 3");
  }
  if (map.width != box.width || map.height != box.height) {
    fail("explain: overlay_image needs a map of the box's size ", box.height, " x ", box.width,
         " (height x width), got ", map.height, " x ", map.width, "; post-process the map to the box's size");
  }
  const Image region = crop_image(image, box);  // checks that the box lies inside the image
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

}  // namespace camlens::explain
