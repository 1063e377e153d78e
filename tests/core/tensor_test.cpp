#include "core/tensor.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "core/error.h"

using namespace camlens;

TEST_CASE("Shape counts elements and prints itself") {
  Shape s = Shape::nhwc(2, 3, 4, 5);
  CHECK(s.rank() == 4);
  CHECK(s.size() == 120);
  CHECK(s.str() == "[2, 3, 4, 5]");
  CHECK(s.n() == 2);
  CHECK(s.h() == 3);
  CHECK(s.w() == 4);
  CHECK(s.c() == 5);
  Shape nc{2, 7};
  CHECK(nc.h() == 1);
  CHECK(nc.c() == 7);
}

TEST_CASE("Shape rejects zero, negative and too many dimensions") {
  CHECK_THROWS_WITH_AS(Shape({2, 0, 3}), doctest::Contains("must be positive"), Error);
  CHECK_THROWS_AS(Shape({-1}), Error);
  CHECK_THROWS_WITH_AS(Shape({1, 1, 1, 1, 1}), doctest::Contains("1 to 4 dimensions"), Error);
}

TEST_CASE("Tensor storage is zeroed, aligned and indexed NHWC") {
  Tensor t(Shape::nhwc(2, 3, 4, 5));
  CHECK(reinterpret_cast<uintptr_t>(t.data()) % 64 == 0);
  for (float v : t.values()) CHECK(v == 0.0f);
  t.at(1, 2, 3, 4) = 7.0f;
  CHECK(t[t.size() - 1] == 7.0f);
  t.at(0, 1, 0, 2) = 3.0f;
  CHECK(t[(1 * 4 + 0) * 5 + 2] == 3.0f);
}

TEST_CASE("Tensor copies only when asked and checks value counts") {
  Tensor a(Shape{2, 2}, std::vector<float>{1, 2, 3, 4});
  Tensor b = a.clone();
  b[0] = 9.0f;
  CHECK(a[0] == 1.0f);
  CHECK_THROWS_WITH_AS(Tensor(Shape{2, 2}, std::vector<float>{1, 2, 3}), doctest::Contains("needs 4 values, got 3"),
                       Error);
}

TEST_CASE("Tensor reshape keeps values and refuses a different count") {
  Tensor a(Shape::nhwc(1, 2, 2, 3));
  a[5] = 1.5f;
  a.reshape(Shape{1, 12});
  CHECK(a.shape() == Shape{1, 12});
  CHECK(a[5] == 1.5f);
  CHECK_THROWS_WITH_AS(a.reshape(Shape{5}), doctest::Contains("cannot reshape [1, 12]"), Error);
}

TEST_CASE("reshape_storage reuses capacity") {
  Tensor a(Shape{100});
  const float* before = a.data();
  a.reshape_storage(Shape{10, 5}, /*zero=*/true);
  CHECK(a.data() == before);
  CHECK(a.size() == 50);
  a.reshape_storage(Shape{200});
  CHECK(a.size() == 200);
}

TEST_CASE("expect_shape names the caller") {
  CHECK_THROWS_WITH_AS(expect_shape(Shape{1, 2}, Shape{1, 3}, "Dense 'fc'"),
                       doctest::Contains("Dense 'fc': expected shape [1, 3], got [1, 2]"), Error);
}

TEST_CASE("Shape refuses more elements than an int can index, before multiplying past 64 bits") {
  CHECK(Shape({1, INT32_MAX}).size() == size_t{INT32_MAX});
  CHECK_THROWS_WITH_AS(Shape({2, 1 << 30}), doctest::Contains("shape [2, 1073741824] holds more than 2147483647 elements"),
                       Error);
  CHECK_THROWS_WITH_AS(Shape({INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX}),
                       doctest::Contains("shape [2147483647, 2147483647]... holds more than 2147483647 elements"), Error);
  CHECK(shape_dimension(int64_t{INT32_MAX}, "height") == INT32_MAX);
  CHECK_THROWS_WITH_AS(shape_dimension(int64_t{INT32_MAX} + 1, "the padded height"),
                       doctest::Contains("the padded height would be 2147483648, outside the 1..2147483647"), Error);
}
