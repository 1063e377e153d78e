#include "train/film_strip.h"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "core/error.h"
#include "support/requirements.h"

using namespace camlens;

namespace {

constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

Font dejavu() {
  std::ifstream file(kFontPath, std::ios::binary);
  return Font(std::vector<std::uint8_t>(std::istreambuf_iterator<char>(file), {}));
}

const std::vector<std::string> kLabels{"T-shirt/top", "Trouser", "Pullover"};

// A frame whose map is hot in the top-left cell only.
ProbeFrame frame_with(int true_class, std::vector<ClassProbability> top) {
  ProbeFrame frame;
  frame.probe = {"probes/01-T-shirt-top.png", true_class};
  frame.top = std::move(top);
  frame.method = "cam";
  frame.layer = "conv3";
  frame.map_class = frame.top.front().class_index;
  frame.map = explain::Map(2, 2);
  frame.map.values = {1.0f, 0.0f, 0.0f, 0.0f};
  return frame;
}

bool has_pixel(const Image& image, int x0, int y0, int x1, int y1, bool (*wanted)(const std::uint8_t*)) {
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      if (wanted(image.pixel(x, y))) return true;
  return false;
}

bool greenish(const std::uint8_t* p) { return p[1] > p[0] + 40 && p[1] > p[2] + 40; }
bool reddish(const std::uint8_t* p) { return p[0] > p[1] + 60 && p[0] > p[2] + 60; }

}  // namespace

TEST_CASE("film_frame: the map over the picture, the true class's bar green, a wrong top class red" *
          test::requires_file(kFontPath, "apt-get install fonts-dejavu-core")) {
  const Font font = dejavu();
  Image probe(28, 28, 1);  // a black picture: every colour in it is the map's or a bar's
  FilmStyle style;
  style.picture_side = 112;

  const Image right = film_frame(probe, frame_with(0, {{0, "", 0.8f}, {2, "", 0.15f}, {1, "", 0.05f}}), 3, kLabels, font,
                                 style);
  CHECK(right.channels() == 3);
  CHECK(right.width() == 112 + 12);
  const int picture_top = 20, bars_top = picture_top + 112 + 6;
  REQUIRE(right.height() > bars_top + 3 * 16);
  // Jet's hot end over the top-left of the picture, its cold end (blue) at the bottom right.
  const std::uint8_t* hot = right.pixel(6 + 5, picture_top + 5);
  const std::uint8_t* cold = right.pixel(6 + 105, picture_top + 105);
  CHECK(hot[0] > hot[2]);
  CHECK(cold[2] > cold[0]);
  CHECK(has_pixel(right, 6, bars_top, 6 + 112, bars_top + 16, greenish));
  CHECK_FALSE(has_pixel(right, 6, bars_top, 6 + 112, right.height(), reddish));

  const Image wrong = film_frame(probe, frame_with(0, {{1, "", 0.6f}, {0, "", 0.3f}, {2, "", 0.1f}}), 3, kLabels, font,
                                 style);
  CHECK(has_pixel(wrong, 6, bars_top, 6 + 112, bars_top + 16, reddish));         // the wrong top class
  CHECK(has_pixel(wrong, 6, bars_top + 19, 6 + 112, bars_top + 35, greenish));    // the true one, second
  CHECK(wrong.width() == right.width());
  CHECK(wrong.height() == right.height());
}

TEST_CASE("film_strip: frames side by side under a title; a frame without a map or of another size is refused" *
          test::requires_file(kFontPath, "apt-get install fonts-dejavu-core")) {
  const Font font = dejavu();
  Image probe(30, 20, 3);  // not square: the picture keeps its aspect ratio
  std::vector<Image> frames;
  for (int epoch = 1; epoch <= 4; ++epoch) {
    frames.push_back(film_frame(probe, frame_with(1, {{1, "", 0.5f}, {0, "", 0.3f}, {2, "", 0.2f}}), epoch, kLabels, font));
  }
  const Image strip = film_strip(frames, "01-Trouser.png (Trouser)", font);
  CHECK(strip.width() == 4 * frames[0].width() + 3 * 6 + 12);
  CHECK(strip.height() == frames[0].height() + 20 + 12);

  ProbeFrame empty = frame_with(1, {{1, "", 1.0f}});
  empty.map = explain::Map();
  CHECK_THROWS_WITH_AS(film_frame(probe, empty, 1, kLabels, font), doctest::Contains("has no map"), Error);
  frames.push_back(Image(10, 10, 3));
  CHECK_THROWS_WITH_AS(film_strip(frames, "x", font), doctest::Contains("every frame must be RGB of"), Error);
  std::vector<Image> none;
  CHECK_THROWS_WITH_AS(film_strip(none, "x", font), doctest::Contains("at least one frame"), Error);
}
