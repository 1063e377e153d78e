// libFuzzer harness: image bytes -> decode_image (PNG, JPEG, BMP, GIF; EXIF orientation for JPEG),
// with the file's own channels and converted to RGB as the models read them.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "image/decode.h"
#include "image/exif.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  camlens::jpeg_exif_orientation(bytes);  // never throws: a broken tag reads as orientation 1
  for (int channels : {0, 3}) {
    try {
      // A megapixel at most, as libpng's and libjpeg-turbo's own fuzzers cap it: a larger image runs
      // the same code once per extra row or block, and spends the fuzzer's time on it.
      camlens::decode_image(bytes, {.channels = channels, .max_pixels = 1 << 16});
    } catch (const camlens::Error&) {
      return 0;  // refused: the same bytes would be refused with any channel count
    }
  }
  return 0;
}
