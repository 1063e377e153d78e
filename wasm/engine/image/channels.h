#pragma once
// Changing an image's channel layout: the browser hands out RGBA (ImageData), the renderer blends
// over RGB, and a canvas wants RGBA back.
#include "image/image.h"

namespace camlens {

// Gray is repeated into R, G and B; alpha is dropped (pixels are taken as they are, not composited).
Image to_rgb(const Image& image);
// Gray is repeated into R, G and B; an image without alpha becomes opaque.
Image to_rgba(const Image& image);

}  // namespace camlens
