#include "image/text.h"

#include <algorithm>
#include <cmath>
#include <string>

// stb_truetype is compiled here and only here.
#define STB_TRUETYPE_IMPLEMENTATION
#define STBTT_STATIC
#include <stb/stb_truetype.h>

#include "core/error.h"

namespace camlens {

struct Font::State {
  stbtt_fontinfo info;
};

namespace {

// The code points of UTF-8 text; a malformed byte reads as U+FFFD.
std::vector<int> code_points(std::string_view text) {
  std::vector<int> points;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) {
      points.push_back(0xFFFD);
      ++i;
      continue;
    }
    int point = length == 1 ? lead : lead & (0x7F >> length);
    bool valid = true;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = valid && (next >> 6) == 0x2;
      point = (point << 6) | (next & 0x3F);
    }
    points.push_back(valid ? point : 0xFFFD);
    i += valid ? length : 1;
  }
  return points;
}

}  // namespace

Font::Font(std::vector<std::uint8_t> ttf) : ttf_(std::move(ttf)), state_(new State) {
  const int offset = ttf_.size() >= 12 ? stbtt_GetFontOffsetForIndex(ttf_.data(), 0) : -1;
  if (offset < 0 || !stbtt_InitFont(&state_->info, ttf_.data(), offset)) {
    delete state_;
    state_ = nullptr;
    fail("the font's bytes are not a TrueType font (", ttf_.size(), " bytes)");
  }
}

Font::Font(Font&& other) noexcept : ttf_(std::move(other.ttf_)), state_(other.state_) { other.state_ = nullptr; }

Font& Font::operator=(Font&& other) noexcept {
  std::swap(ttf_, other.ttf_);
  std::swap(state_, other.state_);
  return *this;
}

Font::~Font() { delete state_; }

int Font::text_width(std::string_view text, float pixel_height) const {
  const float scale = stbtt_ScaleForPixelHeight(&state_->info, pixel_height);
  float width = 0.0f;
  const std::vector<int> points = code_points(text);
  for (size_t i = 0; i < points.size(); ++i) {
    int advance = 0, bearing = 0;
    stbtt_GetCodepointHMetrics(&state_->info, points[i], &advance, &bearing);
    width += advance * scale;
    if (i + 1 < points.size()) width += scale * stbtt_GetCodepointKernAdvance(&state_->info, points[i], points[i + 1]);
  }
  return static_cast<int>(std::ceil(width));
}

void Font::draw(Image& image, int x, int y, std::string_view text, float pixel_height, TextColor color) const {
  if (image.channels() < 3) fail("Font::draw: needs an RGB or RGBA image, got ", image.channels(), " channel(s)");
  const float scale = stbtt_ScaleForPixelHeight(&state_->info, pixel_height);
  int ascent = 0, descent = 0, gap = 0;
  stbtt_GetFontVMetrics(&state_->info, &ascent, &descent, &gap);
  const int baseline = y + static_cast<int>(std::lround(ascent * scale));
  const std::vector<int> points = code_points(text);
  float pen = static_cast<float>(x);
  for (size_t i = 0; i < points.size(); ++i) {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    const float shift = pen - std::floor(pen);
    stbtt_GetCodepointBitmapBoxSubpixel(&state_->info, points[i], scale, scale, shift, 0.0f, &x0, &y0, &x1, &y1);
    const int glyph_w = x1 - x0, glyph_h = y1 - y0;
    if (glyph_w > 0 && glyph_h > 0) {
      std::vector<unsigned char> coverage(static_cast<size_t>(glyph_w) * glyph_h);
      stbtt_MakeCodepointBitmapSubpixel(&state_->info, coverage.data(), glyph_w, glyph_h, glyph_w, scale, scale, shift,
                                        0.0f, points[i]);
      const int left = static_cast<int>(std::floor(pen)) + x0, top = baseline + y0;
      for (int gy = 0; gy < glyph_h; ++gy) {
        const int py = top + gy;
        if (py < 0 || py >= image.height()) continue;
        for (int gx = 0; gx < glyph_w; ++gx) {
          const int px = left + gx;
          if (px < 0 || px >= image.width()) continue;
          const int a = coverage[static_cast<size_t>(gy) * glyph_w + gx];
          std::uint8_t* p = image.pixel(px, py);
          p[0] = static_cast<std::uint8_t>((color.r * a + p[0] * (255 - a) + 127) / 255);
          p[1] = static_cast<std::uint8_t>((color.g * a + p[1] * (255 - a) + 127) / 255);
          p[2] = static_cast<std::uint8_t>((color.b * a + p[2] * (255 - a) + 127) / 255);
        }
      }
    }
    int advance = 0, bearing = 0;
    stbtt_GetCodepointHMetrics(&state_->info, points[i], &advance, &bearing);
    pen += advance * scale;
    if (i + 1 < points.size()) pen += scale * stbtt_GetCodepointKernAdvance(&state_->info, points[i], points[i + 1]);
  }
}

std::string Font::fit(std::string_view text, float pixel_height, int max_width) const {
  if (text_width(text, pixel_height) <= max_width) return std::string(text);
  const std::string ellipsis = "\xE2\x80\xA6";
  std::string cut(text);
  while (!cut.empty()) {
    // Drop the last whole UTF-8 sequence: its continuation bytes, then its lead byte.
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty()) cut.pop_back();
    if (text_width(cut + ellipsis, pixel_height) <= max_width) return cut + ellipsis;
  }
  return ellipsis;
}

}  // namespace camlens
