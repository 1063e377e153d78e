#pragma once
// PNG encoding with stb_image_write: overlays and maps leave the native CLI as PNG files.
#include <cstdint>
#include <string>
#include <vector>

#include "image/image.h"

namespace camlens {

// The PNG file's bytes: gray, RGB or RGBA as the image's channels say.
std::vector<std::uint8_t> encode_png(const Image& image);
void write_png_file(const Image& image, const std::string& path);

}  // namespace camlens
