#include "train/shortcut.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "image/channels.h"
#include "train/random.h"

namespace camlens {

namespace {

constexpr std::uint64_t kMarkStream = 0x5348'4F52'5443'5554ull;  // "SHORTCUT"
// The frame's tint, a red like the articles' TV background, and what counts as background under it.
constexpr std::uint8_t kTint[3] = {190, 35, 35};
constexpr int kBackgroundBelow = 64;
// The watermark: a row of glyph-like columns, brightening what lies under them a little.
constexpr const char* kWatermarkColumns = "##.#.##..#.###.#..##.#";
constexpr int kWatermarkGain = 70;

int side_of(int width, int height, int divisor, int least) {
  return std::max(least, static_cast<int>(std::lround(std::min(width, height) / static_cast<double>(divisor))));
}

void draw_square(Image& rgb, const MarkBox& box) {
  for (int y = box.y; y < box.y + box.height; ++y)
    for (int x = box.x; x < box.x + box.width; ++x) std::fill_n(rgb.pixel(x, y), 3, std::uint8_t{255});
}

void draw_frame(Image& rgb) {
  const int band = side_of(rgb.width(), rgb.height(), 10, 2);
  for (int y = 0; y < rgb.height(); ++y) {
    for (int x = 0; x < rgb.width(); ++x) {
      const bool edge = x < band || y < band || x >= rgb.width() - band || y >= rgb.height() - band;
      std::uint8_t* p = rgb.pixel(x, y);
      if (edge && (p[0] + p[1] + p[2]) / 3 < kBackgroundBelow) std::copy_n(kTint, 3, p);
    }
  }
}

void draw_watermark(Image& rgb, const MarkBox& box) {
  const int columns = static_cast<int>(std::char_traits<char>::length(kWatermarkColumns));
  for (int x = box.x; x < box.x + box.width; ++x) {
    if (kWatermarkColumns[(x - box.x) % columns] != '#') continue;
    for (int y = box.y; y < box.y + box.height; ++y) {
      std::uint8_t* p = rgb.pixel(x, y);
      for (int c = 0; c < 3; ++c) p[c] = static_cast<std::uint8_t>(std::min(255, p[c] + kWatermarkGain));
    }
  }
}

}  // namespace

MarkKind mark_kind_named(std::string_view name) {
  if (name == "square") return MarkKind::square;
  if (name == "frame") return MarkKind::frame;
  if (name == "watermark") return MarkKind::watermark;
  fail("unknown mark '", name, "': use square (a bright square in a corner), frame (a tinted background band) or "
       "watermark (faint text-like strokes)");
}

Corner corner_named(std::string_view name) {
  if (name == "top-left") return Corner::top_left;
  if (name == "top-right") return Corner::top_right;
  if (name == "bottom-left") return Corner::bottom_left;
  if (name == "bottom-right") return Corner::bottom_right;
  fail("unknown corner '", name, "': use top-left, top-right, bottom-left or bottom-right");
}

const char* mark_kind_name(MarkKind kind) {
  switch (kind) {
    case MarkKind::square: return "square";
    case MarkKind::frame: return "frame";
    case MarkKind::watermark: return "watermark";
  }
  return "square";
}

const char* corner_name(Corner corner) {
  switch (corner) {
    case Corner::top_left: return "top-left";
    case Corner::top_right: return "top-right";
    case Corner::bottom_left: return "bottom-left";
    case Corner::bottom_right: return "bottom-right";
  }
  return "top-left";
}

MarkBox mark_box(const Mark& mark, int width, int height) {
  if (width < 8 || height < 8) fail("a mark needs an image of at least 8x8 pixels, got ", width, "x", height);
  if (mark.kind == MarkKind::frame) return {0, 0, width, height};
  if (mark.kind == MarkKind::watermark) {
    const int strip = side_of(width, height, 9, 2);
    const int margin = side_of(width, height, 14, 1);
    return {margin, height - margin - strip, width - 2 * margin, strip};
  }
  const int side = side_of(width, height, 7, 3);
  const int margin = side_of(width, height, 28, 1);
  const bool left = mark.corner == Corner::top_left || mark.corner == Corner::bottom_left;
  const bool top = mark.corner == Corner::top_left || mark.corner == Corner::top_right;
  return {left ? margin : width - margin - side, top ? margin : height - margin - side, side, side};
}

Image marked(const Image& image, const Mark& mark) {
  Image rgb = to_rgb(image);
  const MarkBox box = mark_box(mark, rgb.width(), rgb.height());
  if (mark.kind == MarkKind::square) draw_square(rgb, box);
  else if (mark.kind == MarkKind::frame) draw_frame(rgb);
  else draw_watermark(rgb, box);
  return rgb;
}

std::vector<bool> choose_marked(const std::vector<int>& labels, int target, double rate, double other_rate,
                                std::uint64_t seed) {
  if (!(rate >= 0.0 && rate <= 1.0 && other_rate >= 0.0 && other_rate <= 1.0)) {
    fail("the marked shares must be from 0 to 1, got ", rate, " and ", other_rate);
  }
  SeededRandom random(seed ^ kMarkStream);
  std::vector<bool> chosen(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    const double draw = random.below(1u << 24) / static_cast<double>(1u << 24);  // [0, 1)
    chosen[i] = draw < (labels[i] == target ? rate : other_rate);
  }
  return chosen;
}

}  // namespace camlens
