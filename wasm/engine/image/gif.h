#pragma once
// Animated GIFs with giflib (Debian's libgif), for time-lapses the CLI writes. Native only: the page
// encodes its GIFs with the npm package gifenc, so CMake leaves this file out of WebAssembly.
#include <cstdint>
#include <span>
#include <vector>

#include "image/image.h"

namespace camlens {

// The GIF file's bytes: every frame (RGB or RGBA, all of one size; alpha ignored) with its own
// 256-colour palette (giflib's median-cut quantiser), shown `delay_ms` each, looping forever.
std::vector<std::uint8_t> encode_gif(std::span<const Image> frames, int delay_ms);

}  // namespace camlens
