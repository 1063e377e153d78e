#include "audit/class_attention.h"

#include <doctest/doctest.h>

#include "core/error.h"

using namespace camlens;
using namespace camlens::audit;

namespace {

constexpr int kSide = 8;

// A map hot on the cells of `box` (value 1), with a little everywhere else.
explain::Map hot_on(const Box& box, float elsewhere = 0.05f) {
  explain::Map map(kSide, kSide);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      map.at(y, x) = (x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height) ? 1.0f : elsewhere;
  return map;
}

Mask object_at(const Box& box) { return box_mask(box, kSide, kSide, {kSide, kSide}); }

}  // namespace

TEST_CASE("class_attention: maps that follow the object wherever it is are not flagged") {
  std::vector<explain::Map> maps;
  std::vector<Mask> objects;
  for (int i = 0; i < 5; ++i) {
    const Box object{i, 2, 3, 4};
    maps.push_back(hot_on(object));
    objects.push_back(object_at(object));
  }
  const ClassAttention attention = class_attention(maps, objects);
  CHECK_FALSE(attention.flagged);
  CHECK(attention.reason.empty());
  CHECK(attention.median_share > 0.7);
  CHECK(attention.pointing_hits == doctest::Approx(1.0));
}

TEST_CASE("class_attention: maps on one corner, off objects that move, flag that corner as the region") {
  std::vector<explain::Map> maps;
  std::vector<Mask> objects;
  for (int i = 0; i < 6; ++i) {
    maps.push_back(hot_on(Box{6, 0, 2, 2}));
    objects.push_back(object_at(Box{1 + i % 3, 3, 3, 4}));
  }
  const ClassAttention attention = class_attention(maps, objects);
  CHECK(attention.flagged);
  CHECK(attention.region == Box{6, 0, 2, 2});
  CHECK(attention.region_on_object == 0.0);
  CHECK(attention.region_share > 0.5);
  CHECK(attention.pointing_hits == 0.0);
  CHECK(attention.reason.find("same small region") != std::string::npos);
  CHECK(attention.mean_map.at(0, 7) == doctest::Approx(1.0f));
}

TEST_CASE("class_attention: maps spread over the background, around the object, are flagged as off the object") {
  std::vector<explain::Map> maps;
  std::vector<Mask> objects;
  for (int i = 0; i < 4; ++i) {
    explain::Map ring(kSide, kSide);
    for (int y = 0; y < kSide; ++y)
      for (int x = 0; x < kSide; ++x) ring.at(y, x) = (x < 2 || y < 2 || x > 5 || y > 5) ? 1.0f : 0.0f;
    maps.push_back(ring);
    objects.push_back(object_at(Box{2, 2, 4, 4}));
  }
  const ClassAttention attention = class_attention(maps, objects);
  CHECK(attention.flagged);
  CHECK(attention.median_share == 0.0);
  CHECK(attention.reason.find("mostly off the object") != std::string::npos);
}

TEST_CASE("class_attention: maps of other sizes, or a mask missing, are errors") {
  const std::vector<explain::Map> maps{hot_on(Box{0, 0, 2, 2}), explain::Map(4, 4)};
  const std::vector<Mask> objects{object_at(Box{0, 0, 2, 2}), object_at(Box{0, 0, 2, 2})};
  CHECK_THROWS_WITH_AS(class_attention(maps, objects), doctest::Contains("map 1 is 4x4"), Error);
  CHECK_THROWS_WITH_AS(class_attention(std::span(maps).first(1), std::span(objects)), doctest::Contains("2 object masks"), Error);
  CHECK_THROWS_WITH_AS(class_attention({}, {}), doctest::Contains("at least one map"), Error);
}
