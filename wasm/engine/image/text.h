#pragma once
// Text drawn into images with stb_truetype, for pictures the CLI writes itself (film strips):
// the font's bytes come from the caller (natively, a TrueType file such as Debian's DejaVu Sans).
#include <cstdint>
#include <string_view>
#include <vector>

#include "image/image.h"

namespace camlens {

struct TextColor {
  std::uint8_t r = 0, g = 0, b = 0;
};

class Font {
 public:
  // Throws an Error when the bytes are not a TrueType font.
  explicit Font(std::vector<std::uint8_t> ttf);
  Font(Font&&) noexcept;
  Font& operator=(Font&&) noexcept;
  ~Font();

  // Width in pixels of UTF-8 `text` at `pixel_height` (the font's ascent minus descent).
  int text_width(std::string_view text, float pixel_height) const;
  // Draws `text` onto an RGB or RGBA image, its top-left corner at (x, y), blended by coverage
  // and clipped at the image's edges.
  void draw(Image& image, int x, int y, std::string_view text, float pixel_height, TextColor color) const;
  // `text` cut to fit `max_width` pixels, ending in an ellipsis when cut.
  std::string fit(std::string_view text, float pixel_height, int max_width) const;

 private:
  struct State;
  std::vector<std::uint8_t> ttf_;
  State* state_ = nullptr;
};

}  // namespace camlens
