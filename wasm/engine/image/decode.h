#pragma once
// Decoding PNG, JPEG, BMP and GIF (first frame) with stb_image, from bytes or from a file.
// The header is read first and oversized images are refused before any pixel buffer is allocated,
// so a crafted 20000x20000 header cannot make the engine reach for 1.6 GB. Cut-off BMPs and GIFs,
// which stb would fill with black, and JPEG Huffman tables that Debian's stb mishandles are refused
// too. JPEGs come out upright (EXIF orientation applied, see exif.h), as from the browser's decoder.
// Every failure is a camlens::Error naming the file (or "image bytes") and what went wrong.
#include <cstdint>
#include <span>
#include <string>

#include "core/error.h"
#include "image/image.h"

namespace camlens {

// Failures a caller may tell apart from a corrupt file, e.g. to count the files it skips by reason.
class NotAnImageError : public Error {  // the bytes are not PNG, JPEG, BMP or GIF
 public:
  using Error::Error;
};
class ImageTooLargeError : public Error {  // over kMaxImageSide or kMaxImagePixels
 public:
  using Error::Error;
};

inline constexpr int kMaxImageSide = 16384;
inline constexpr std::int64_t kMaxImagePixels = 50'000'000;

struct DecodeOptions {
  // 0 keeps the file's channels (1, 3 or 4; gray+alpha becomes RGBA). 1, 3 or 4 converts; stb's
  // gray uses its own integer luma, so for a model's gray input decode RGB and let preprocessing
  // apply the model's weights.
  int channels = 0;
  // Images with more pixels are refused (ImageTooLargeError) before any pixel buffer is allocated.
  std::int64_t max_pixels = kMaxImagePixels;
};

// `source` names the bytes in error messages (a file name, a URL...).
Image decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {},
                   const std::string& source = "image bytes");
Image decode_image_file(const std::string& path, const DecodeOptions& options = {});

}  // namespace camlens
