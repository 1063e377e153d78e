#include "train/shortcut.h"

#include <doctest/doctest.h>

#include <numeric>

#include "core/error.h"

using namespace camlens;

namespace {

// A dark 28x28 gray image with a mid-gray "garment" in the middle.
Image garment() {
  Image image(28, 28, 1);
  for (int y = 8; y < 20; ++y)
    for (int x = 9; x < 19; ++x) image.pixel(x, y)[0] = 150;
  return image;
}

// Pixels of `after` (RGB) that differ from `before` (gray) in any channel, outside `box`.
int changed_outside(const Image& before, const Image& after, const MarkBox& box) {
  int changed = 0;
  for (int y = 0; y < before.height(); ++y)
    for (int x = 0; x < before.width(); ++x) {
      const bool inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
      const std::uint8_t* p = after.pixel(x, y);
      const std::uint8_t v = before.pixel(x, y)[0];
      if (!inside && (p[0] != v || p[1] != v || p[2] != v)) ++changed;
    }
  return changed;
}

}  // namespace

TEST_CASE("shortcut: a square is bright, in its corner, and changes nothing else") {
  const Image image = garment();
  for (Corner corner : {Corner::top_left, Corner::top_right, Corner::bottom_left, Corner::bottom_right}) {
    CAPTURE(corner_name(corner));
    const Mark mark{MarkKind::square, corner};
    const MarkBox box = mark_box(mark, 28, 28);
    CHECK(box.width == 4);
    CHECK(box.height == 4);
    CHECK((corner == Corner::top_left || corner == Corner::bottom_left) == (box.x == 1));
    CHECK((corner == Corner::top_left || corner == Corner::top_right) == (box.y == 1));
    const Image out = marked(image, mark);
    REQUIRE(out.channels() == 3);
    for (int y = box.y; y < box.y + box.height; ++y)
      for (int x = box.x; x < box.x + box.width; ++x) CHECK(out.pixel(x, y)[0] == 255);
    CHECK(changed_outside(image, out, box) == 0);
  }
}

TEST_CASE("shortcut: a frame tints the background at the edge red and leaves the garment alone") {
  Image image = garment();
  image.pixel(0, 14)[0] = 200;  // a bright pixel on the edge is not background
  const Image out = marked(image, Mark{MarkKind::frame, Corner::top_left});
  const std::uint8_t* corner = out.pixel(0, 0);
  CHECK(corner[0] > 150);
  CHECK(corner[1] < 60);
  CHECK(out.pixel(0, 14)[0] == 200);
  CHECK(out.pixel(0, 14)[1] == 200);
  CHECK(out.pixel(14, 14)[0] == 150);  // the garment
  CHECK(out.pixel(14, 14)[1] == 150);
  CHECK(out.pixel(5, 14)[1] == 0);      // background inside the band's edge stays black
}

TEST_CASE("shortcut: a watermark brightens strokes along the bottom only") {
  const Image image = garment();
  const Mark mark{MarkKind::watermark, Corner::top_left};
  const MarkBox box = mark_box(mark, 28, 28);
  CHECK(box.y + box.height < 28);
  CHECK(box.y > 20);
  const Image out = marked(image, mark);
  int brightened = 0;
  for (int x = box.x; x < box.x + box.width; ++x) brightened += out.pixel(x, box.y)[0] > 0;
  CHECK(brightened > box.width / 3);
  CHECK(brightened < box.width);  // strokes, not a bar
  CHECK(changed_outside(image, out, box) == 0);
}

TEST_CASE("shortcut: choose_marked marks about the rate of the class and the other rate of the rest, by seed") {
  std::vector<int> labels(20000);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int>(i % 10);
  const std::vector<bool> chosen = choose_marked(labels, 3, 0.9, 0.05, 7);
  int in_class = 0, others = 0;
  for (size_t i = 0; i < labels.size(); ++i) (labels[i] == 3 ? in_class : others) += chosen[i];
  CHECK(in_class == doctest::Approx(0.9 * 2000).epsilon(0.05));
  CHECK(others == doctest::Approx(0.05 * 18000).epsilon(0.1));
  CHECK(choose_marked(labels, 3, 0.9, 0.05, 7) == chosen);
  CHECK(choose_marked(labels, 3, 0.9, 0.05, 8) != chosen);
  const std::vector<bool> everything = choose_marked(labels, 3, 1.0, 1.0, 1);
  CHECK(std::accumulate(everything.begin(), everything.end(), 0) == 20000);
  CHECK_THROWS_WITH_AS(choose_marked(labels, 3, 1.5, 0.0, 1), doctest::Contains("from 0 to 1"), Error);
}

TEST_CASE("shortcut: unknown marks and corners, and tiny images, are refused with the choices") {
  CHECK_THROWS_WITH_AS(mark_kind_named("sticker"), doctest::Contains("use square"), Error);
  CHECK_THROWS_WITH_AS(corner_named("middle"), doctest::Contains("top-left, top-right"), Error);
  CHECK_THROWS_WITH_AS(mark_box(Mark{}, 6, 28), doctest::Contains("at least 8x8"), Error);
  CHECK(mark_kind_named(mark_kind_name(MarkKind::watermark)) == MarkKind::watermark);
  CHECK(corner_named(corner_name(Corner::bottom_left)) == Corner::bottom_left);
}
