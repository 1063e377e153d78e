#include "layers/mirror_pad.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

std::vector<float> values_of(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

// The indices a mirrored axis reads, built by walking outwards from the image one step at a time
// and bouncing off its ends: an independent statement of reflect (bounce before the edge value) and
// symmetric (bounce after repeating it).
std::vector<int> mirrored_indices(int size, int before, int after, MirrorMode mode) {
  std::vector<int> indices;
  const auto walk = [&](int start, int step, int count) {
    std::vector<int> seen;
    int i = start, direction = step;
    for (int k = 0; k < count; ++k) {
      int next = i + direction;
      if (next < 0 || next >= size) {
        direction = -direction;
        next = mode == MirrorMode::symmetric ? i : i + direction;
      }
      i = next;
      seen.push_back(i);
    }
    return seen;
  };
  std::vector<int> left = walk(0, -1, before);
  indices.assign(left.rbegin(), left.rend());
  for (int i = 0; i < size; ++i) indices.push_back(i);
  for (int i : walk(size - 1, 1, after)) indices.push_back(i);
  return indices;
}

Tensor reference_mirror_pad(const Tensor& x, const Padding& pad, MirrorMode mode) {
  const Shape& s = x.shape();
  const std::vector<int> rows = mirrored_indices(s.h(), pad.top, pad.bottom, mode);
  const std::vector<int> cols = mirrored_indices(s.w(), pad.left, pad.right, mode);
  Tensor y(Shape::nhwc(s.n(), static_cast<int>(rows.size()), static_cast<int>(cols.size()), s.c()));
  size_t at = 0;
  for (int n = 0; n < s.n(); ++n) {
    for (int r : rows) {
      for (int col : cols) {
        for (int c = 0; c < s.c(); ++c) y[at++] = x[((static_cast<size_t>(n) * s.h() + r) * s.w() + col) * s.c() + c];
      }
    }
  }
  return y;
}

}  // namespace

TEST_CASE("MirrorPad2D forward: TensorFlow's documented REFLECT and SYMMETRIC examples") {
  // tf.pad([[1, 2, 3], [4, 5, 6]], [[1, 1], [2, 2]], mode), as TensorFlow's documentation shows it.
  Tensor x(Shape::nhwc(1, 2, 3, 1), std::vector<float>{1, 2, 3, 4, 5, 6});
  MirrorPad2D reflect("r", Padding{1, 1, 2, 2}, MirrorMode::reflect);
  CHECK(values_of(run_forward(reflect, {&x})) == std::vector<float>{6, 5, 4, 5, 6, 5, 4,  //
                                                                   3, 2, 1, 2, 3, 2, 1,  //
                                                                   6, 5, 4, 5, 6, 5, 4,  //
                                                                   3, 2, 1, 2, 3, 2, 1});
  MirrorPad2D symmetric("s", Padding{1, 1, 2, 2}, MirrorMode::symmetric);
  CHECK(values_of(run_forward(symmetric, {&x})) == std::vector<float>{2, 1, 1, 2, 3, 3, 2,  //
                                                                     2, 1, 1, 2, 3, 3, 2,  //
                                                                     5, 4, 4, 5, 6, 6, 5,  //
                                                                     5, 4, 4, 5, 6, 6, 5});
}

TEST_CASE("MirrorPad2D forward matches a bouncing reference on random shapes and pads") {
  Rng rng(51);
  for (MirrorMode mode : {MirrorMode::reflect, MirrorMode::symmetric}) {
    for (Padding pad : {Padding{0, 3, 2, 0}, Padding{3, 1, 1, 4}, Padding{1, 1, 1, 1}}) {
      Tensor x = rng.tensor(Shape::nhwc(2, 4, 5, 3));
      MirrorPad2D layer("m", pad, mode);
      Tensor y = run_forward(layer, {&x});
      Tensor expected = reference_mirror_pad(x, pad, mode);
      REQUIRE(y.shape() == expected.shape());
      CHECK(max_abs_diff(y, expected) == 0.0f);
    }
  }
}

TEST_CASE("MirrorPad2D backward matches finite differences and accumulates") {
  Rng rng(52);
  for (MirrorMode mode : {MirrorMode::reflect, MirrorMode::symmetric}) {
    Tensor x = rng.tensor(Shape::nhwc(2, 3, 4, 2));
    MirrorPad2D layer("m", Padding{2, 1, 3, 2}, mode);
    // Linear: default tolerance (abs 2e-3, rel 1e-2, eps 1e-2).
    check_input_gradient(layer, {&x}, 0);
  }
  // [a b] reflect-padded by one on each side is [b a b a]: b's gradient gathers two places.
  Tensor x(Shape::nhwc(1, 1, 2, 1), std::vector<float>{1, 2});
  MirrorPad2D layer("m", Padding{0, 0, 1, 1}, MirrorMode::reflect);
  Tensor y = run_forward(layer, {&x});
  Tensor g(y.shape(), std::vector<float>{1, 10, 100, 1000});
  Tensor d(x.shape(), std::vector<float>{5, 5});
  Tensor* d_in[] = {&d};
  const Tensor* in[] = {&x};
  layer.backward(d_in, g, in, y, {});
  CHECK(values_of(d) == std::vector<float>{5 + 10 + 1000, 5 + 1 + 100});
}

TEST_CASE("MirrorPad2D rejects pads wider than the image's mirror, negative pads and non-image inputs") {
  const Shape in[] = {Shape::nhwc(1, 3, 4, 1)};
  MirrorPad2D reflect("r", Padding{0, 0, 4, 0}, MirrorMode::reflect);
  CHECK_THROWS_WITH_AS(reflect.output_shape(in),
                       doctest::Contains("MirrorPad2D 'r': pads top 0, bottom 0, left 4, right 0 exceed what reflect "
                                         "mirroring of [1, 3, 4, 1] allows: at most 2 above and below, 3 left and right"),
                       Error);
  MirrorPad2D symmetric("s", Padding{0, 0, 4, 0}, MirrorMode::symmetric);
  CHECK(symmetric.output_shape(in) == Shape::nhwc(1, 3, 8, 1));
  CHECK_THROWS_WITH_AS(MirrorPad2D("n", Padding{-1, 0, 0, 0}, MirrorMode::reflect),
                       doctest::Contains("MirrorPad2D 'n': pads must be >= 0"), Error);
  const Shape flat[] = {Shape{2, 8}};
  CHECK_THROWS_WITH_AS(symmetric.output_shape(flat),
                       doctest::Contains("MirrorPad2D 's' takes an NHWC rank-4 input, got [2, 8]"), Error);
}
