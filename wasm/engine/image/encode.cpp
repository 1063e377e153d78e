#include "image/encode.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

// stb_image_write is compiled here and only here; write_png_file writes the bytes itself so that its
// errors can name the file: stb needs no stdio.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

#include "core/error.h"

namespace camlens {

std::vector<std::uint8_t> encode_png(const Image& image) {
  if (image.empty()) fail("encode_png: the image is empty; there is nothing to encode");
  std::vector<std::uint8_t> png;
  auto append = [](void* context, void* data, int size) {
    auto& out = *static_cast<std::vector<std::uint8_t>*>(context);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out.insert(out.end(), bytes, bytes + size);
  };
  const int ok = stbi_write_png_to_func(append, &png, image.width(), image.height(), image.channels(), image.data(),
                                        static_cast<int>(image.row_size()));
  if (!ok) {
    fail("encode_png: stb_image_write could not encode the ", image.width(), "x", image.height(), "x",
         image.channels(), " image (out of memory?)");
  }
  return png;
}

void write_png_file(const Image& image, const std::string& path) {
  const std::vector<std::uint8_t> png = encode_png(image);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (file == nullptr) fail("cannot create PNG file ", path, ": ", std::strerror(errno));
  const bool written = std::fwrite(png.data(), 1, png.size(), file.get()) == png.size();
  const bool closed = std::fclose(file.release()) == 0;
  if (!written || !closed) fail("cannot write PNG file ", path, ": ", std::strerror(errno));
}

}  // namespace camlens
