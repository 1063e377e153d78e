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
  std::vector<ImageAttention> images;
  for (int i = 0; i < 5; ++i) {
    const Box object{i, 2, 3, 4};
    images.push_back(attention_at_map_size(hot_on(object), object_at(object)));
  }
  const ClassAttention attention = class_attention(images);
  CHECK_FALSE(attention.flagged);
  CHECK(attention.reason.empty());
  CHECK(attention.median_share > 0.7);
  CHECK(attention.pointing_hits == doctest::Approx(1.0));
}

TEST_CASE("class_attention: maps on one corner, off objects that move, flag that corner as the region") {
  std::vector<ImageAttention> images;
  for (int i = 0; i < 6; ++i) {
    images.push_back(attention_at_map_size(hot_on(Box{6, 0, 2, 2}), object_at(Box{1 + i % 3, 3, 3, 4})));
  }
  const ClassAttention attention = class_attention(images);
  CHECK(attention.flagged);
  CHECK(attention.region == Box{6, 0, 2, 2});
  CHECK(attention.region_on_object == 0.0);
  CHECK(attention.region_share > 0.5);
  CHECK(attention.pointing_hits == 0.0);
  CHECK(attention.reason.find("same small region") != std::string::npos);
  CHECK(attention.mean_map.at(0, 7) == doctest::Approx(1.0f));
}

TEST_CASE("class_attention: maps spread over the background, around the object, are flagged as off the object") {
  std::vector<ImageAttention> images;
  for (int i = 0; i < 4; ++i) {
    explain::Map ring(kSide, kSide);
    for (int y = 0; y < kSide; ++y)
      for (int x = 0; x < kSide; ++x) ring.at(y, x) = (x < 2 || y < 2 || x > 5 || y > 5) ? 1.0f : 0.0f;
    images.push_back(attention_at_map_size(ring, object_at(Box{2, 2, 4, 4})));
  }
  const ClassAttention attention = class_attention(images);
  CHECK(attention.flagged);
  CHECK(attention.median_share == 0.0);
  CHECK(attention.reason.find("mostly off the object") != std::string::npos);
}

TEST_CASE("class_attention: maps of other sizes, or objects not at their map's size, are errors") {
  std::vector<ImageAttention> images{attention_at_map_size(hot_on(Box{0, 0, 2, 2}), object_at(Box{0, 0, 2, 2})),
                                     ImageAttention{explain::Map(4, 4), Mask(4, 4)}};
  CHECK_THROWS_WITH_AS(class_attention(images), doctest::Contains("map 1 is 4x4"), Error);
  images[1] = ImageAttention{hot_on(Box{0, 0, 2, 2}), Mask(4, 4)};
  CHECK_THROWS_WITH_AS(class_attention(images), doctest::Contains("image 1's object is not at its map's size"), Error);
  CHECK_THROWS_WITH_AS(class_attention({}), doctest::Contains("at least one map"), Error);
}

TEST_CASE("class_attention: a region on the object that only this class looks at is flagged; one all classes share is not") {
  // A bright marker counts as object to a brightness mask: the object covers the corner the maps look at.
  std::vector<ImageAttention> marked, centred, cornered;
  for (int i = 0; i < 5; ++i) {
    marked.push_back(attention_at_map_size(hot_on(Box{0, 6, 2, 2}), object_at(Box{0, 2, 6, 6})));
    centred.push_back(attention_at_map_size(hot_on(Box{3, 3, 2, 2}), object_at(Box{2, 2, 4, 4})));
    cornered.push_back(attention_at_map_size(hot_on(Box{0, 6, 2, 2}), object_at(Box{0, 2, 6, 6})));
  }
  const ClassAttention alone = class_attention(marked, centred);
  CHECK(alone.flagged);
  CHECK(alone.region == Box{0, 6, 2, 2});
  CHECK(alone.region_on_object == 1.0);
  CHECK(alone.region_elsewhere < 0.2);
  CHECK(alone.reason.find("where the other classes hardly look") != std::string::npos);

  const ClassAttention shared = class_attention(marked, cornered);
  CHECK_FALSE(shared.flagged);
  CHECK(shared.region_elsewhere == doctest::Approx(shared.region_share));
  CHECK_FALSE(class_attention(marked).flagged);  // without the other classes, on the object is on the object
}
