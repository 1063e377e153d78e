#pragma once
// Explanations as pictures: the coloured map alone (a heatmap) and the map blended over the photo
// (an overlay). The native CLI writes them as PNGs (image/encode.h).
#include "explain/colormap.h"
#include "explain/map.h"
#include "image/image.h"
#include "image/preprocess.h"

namespace camlens::explain {

// The map coloured: an RGB image of the map's size.
Image heatmap_image(const Map& map, Colormap colormap = Colormap::jet);

// `map` (the box's size) blended over the RGB `image` inside `box`, heat * alpha + photo * (1 - alpha)
// as overlay() in colormap.h; the photo outside the box is left as it is. With the box a model
// cropped, the map lands where the model looked.
Image overlay_image(const Image& image, const Map& map, const CropBox& box, Colormap colormap = Colormap::jet,
                    float alpha = 0.4f);
// `map` (the image's size) blended over the whole RGB `image`.
Image overlay_image(const Image& image, const Map& map, Colormap colormap = Colormap::jet, float alpha = 0.4f);

// What the page draws for one map (the box's size), both RGBA with alpha 255 (ImageData's layout):
// the same pixels as heatmap_image(map) and overlay_image(crop_image(image, box), map), made in one
// pass over the map without the RGB copies.
struct RgbaPictures {
  Image heatmap;
  Image overlay;
};
RgbaPictures rgba_pictures(const Image& image, const Map& map, const CropBox& box, Colormap colormap, float alpha);
// The same over `region`, an RGB picture of the map's own size: a crop shrunk to the map with
// crop_image(image, box, width, height), for a big photo drawn small.
RgbaPictures rgba_pictures(const Image& region, const Map& map, Colormap colormap, float alpha);

// An RGB picture fitted to `side` pixels on its longer side, the aspect ratio kept: a small one
// grows by whole pixels (crisp, as a model saw it), a big one shrinks by area.
Image fitted_picture(const Image& rgb, int side);

// The size a map is drawn at over `box`: the box's own when its longer side is at most max_side
// (or max_side <= 0), else shrunk to a longer side of max_side, the aspect ratio kept (each side
// rounded, at least 1). A page asks for the size it shows: drawing four 2048x2048 overlays
// costs far more than the network that explains them.
MapSize drawn_size(const CropBox& box, int max_side);

}  // namespace camlens::explain
