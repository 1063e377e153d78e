#include "image/gif.h"

#include <gif_lib.h>

#include <memory>
#include <string>

#include "core/error.h"

namespace camlens {

namespace {

int append_bytes(GifFileType* file, const GifByteType* data, int length) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(file->UserData);
  out->insert(out->end(), data, data + length);
  return length;
}

struct GifCloser {
  void operator()(GifFileType* file) const { EGifCloseFile(file, nullptr); }
};

struct MapFreer {
  void operator()(ColorMapObject* map) const { GifFreeMapObject(map); }
};

void check(int status, GifFileType* file, const char* what) {
  if (status != GIF_OK) fail("encode_gif: giflib failed to ", what, ": ", GifErrorString(file->Error));
}

void put_loop_forever(GifFileType* file) {
  static const GifByteType kNetscape[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
  static const GifByteType kLoopForever[] = {1, 0, 0};
  check(EGifPutExtensionLeader(file, APPLICATION_EXT_FUNC_CODE), file, "write the loop extension");
  check(EGifPutExtensionBlock(file, sizeof kNetscape, kNetscape), file, "write the loop extension");
  check(EGifPutExtensionBlock(file, sizeof kLoopForever, kLoopForever), file, "write the loop extension");
  check(EGifPutExtensionTrailer(file), file, "write the loop extension");
}

void put_frame(GifFileType* file, const Image& frame, int delay_ms) {
  const size_t pixels = static_cast<size_t>(frame.width()) * frame.height();
  std::vector<GifByteType> red(pixels), green(pixels), blue(pixels), indices(pixels);
  for (size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = frame.data() + i * frame.channels();
    red[i] = p[0];
    green[i] = p[1];
    blue[i] = p[2];
  }
  int colors = 256;
  std::vector<GifColorType> palette(256);
  if (GifQuantizeBuffer(frame.width(), frame.height(), &colors, red.data(), green.data(), blue.data(), indices.data(),
                        palette.data()) != GIF_OK) {
    fail("encode_gif: giflib could not reduce a ", frame.width(), "x", frame.height(), " frame to 256 colours");
  }
  const std::unique_ptr<ColorMapObject, MapFreer> map(GifMakeMapObject(256, palette.data()));
  if (!map) fail("encode_gif: out of memory for a palette");

  GraphicsControlBlock control{};
  control.DisposalMode = DISPOSE_DO_NOT;
  control.DelayTime = (delay_ms + 5) / 10;  // GIF counts hundredths of a second
  control.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType extension[4];
  const size_t length = EGifGCBToExtension(&control, extension);
  check(EGifPutExtension(file, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(length), extension), file,
        "write a frame's delay");
  check(EGifPutImageDesc(file, 0, 0, frame.width(), frame.height(), false, map.get()), file, "start a frame");
  for (int y = 0; y < frame.height(); ++y) {
    check(EGifPutLine(file, indices.data() + static_cast<size_t>(y) * frame.width(), frame.width()), file,
          "write a frame's pixels");
  }
}

}  // namespace

std::vector<std::uint8_t> encode_gif(std::span<const Image> frames, int delay_ms) {
  if (frames.empty()) fail("encode_gif: a GIF needs at least one frame");
  if (delay_ms < 0) fail("encode_gif: the delay between frames cannot be negative, got ", delay_ms, " ms");
  const int width = frames.front().width(), height = frames.front().height();
  if (width > 65535 || height > 65535) fail("encode_gif: a GIF is at most 65535 pixels a side, got ", width, "x", height);
  for (const Image& frame : frames) {
    if (frame.width() != width || frame.height() != height || frame.channels() < 3) {
      fail("encode_gif: every frame must be RGB or RGBA of ", width, "x", height, ", got ", frame.width(), "x",
           frame.height(), " with ", frame.channels(), " channel(s)");
    }
  }
  std::vector<std::uint8_t> bytes;
  int error = 0;
  const std::unique_ptr<GifFileType, GifCloser> file(EGifOpen(&bytes, append_bytes, &error));
  if (!file) fail("encode_gif: giflib could not start a GIF: ", GifErrorString(error));
  EGifSetGifVersion(file.get(), true);
  check(EGifPutScreenDesc(file.get(), width, height, 8, 0, nullptr), file.get(), "write the screen descriptor");
  if (frames.size() > 1) put_loop_forever(file.get());
  for (const Image& frame : frames) put_frame(file.get(), frame, delay_ms);
  return bytes;
}

}  // namespace camlens
