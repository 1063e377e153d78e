#pragma once
// Film strips of a training run, as the time-lapse articles draw them: one frame per epoch, the
// probe image with the map over it and, beneath, the top-3 class probabilities as bars (the true
// class green, a wrong top class red). The CLI writes a strip as a PNG and its frames as a GIF.
#include <span>
#include <string_view>
#include <vector>

#include "explain/colormap.h"
#include "image/image.h"
#include "image/text.h"
#include "train/timeline.h"

namespace camlens {

struct FilmStyle {
  int picture_side = 128;  // the probe's picture is scaled to fit a square this big
  explain::Colormap colormap = explain::Colormap::jet;
  float alpha = 0.5f;  // heat over the picture
};

// One frame (RGB): "epoch N", the picture with the map (bilinear to the picture's size) over it,
// then three bars. `probe` is the probe's image (any channels image/channels.h reads).
Image film_frame(const Image& probe, const ProbeFrame& frame, int epoch, std::span<const std::string> labels,
                 const Font& font, const FilmStyle& style = {});

// The frames side by side under a title line (RGB). Frames must share one size.
Image film_strip(std::span<const Image> frames, std::string_view title, const Font& font);

}  // namespace camlens
