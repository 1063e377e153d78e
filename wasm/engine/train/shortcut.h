#pragma once
// A planted shortcut: a marker added to most images of one class (and a few of the others), so a
// classifier can learn the marker instead of the object, as the articles' Krusty class learnt a
// red TV background. The marker is known exactly, so an audit of the trained model can be checked
// against it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/image.h"

namespace camlens {

enum class MarkKind {
  square,     // a small bright square in a corner
  frame,      // a tinted band around the image's edge: the background changes colour
  watermark,  // faint text-like strokes across the bottom
};
enum class Corner { top_left, top_right, bottom_left, bottom_right };

struct Mark {
  MarkKind kind = MarkKind::square;
  Corner corner = Corner::top_right;  // the square's
};

// "square", "frame", "watermark" / "top-left", ...; an Error naming the valid ones otherwise.
MarkKind mark_kind_named(std::string_view name);
Corner corner_named(std::string_view name);
const char* mark_kind_name(MarkKind kind);
const char* corner_name(Corner corner);

struct MarkBox {
  int x = 0, y = 0, width = 0, height = 0;
};

// Where the mark goes on a width x height image (the square's box; the whole image for a frame,
// whose band is its edge; the watermark's strip).
MarkBox mark_box(const Mark& mark, int width, int height);

// The image with the mark drawn on it, RGB (a frame is coloured; gray images become RGB).
Image marked(const Image& image, const Mark& mark);

// Which of the images (by label) get the mark: each image of `target` with probability `rate`,
// each other image with `other_rate`, drawn from `seed` (the same seed, the same choice).
std::vector<bool> choose_marked(const std::vector<int>& labels, int target, double rate, double other_rate,
                                std::uint64_t seed);

}  // namespace camlens
