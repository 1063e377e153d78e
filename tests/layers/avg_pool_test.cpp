#include "layers/avg_pool.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"
#include "support/reference_check.h"

using namespace camlens;
using namespace camlens::test;

namespace {

std::vector<float> as_vector(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

Window2D window(int size, int stride, PaddingMode mode, Padding pads = {}) {
  Window2D w = Window2D::square(size, stride, mode);
  w.explicit_padding = pads;
  return w;
}

}  // namespace

TEST_CASE("AvgPool divides by the in-bounds pixels, as TensorFlow: hand-worked SAME case") {
  // 3x3 input 1..9, 2x2 window, stride 2, SAME: pad row at the bottom, pad column at the right.
  Tensor x(Shape::nhwc(1, 3, 3, 1), std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  AvgPool pool("avg", window(2, 2, PaddingMode::same));
  Tensor y = run_forward(pool, {&x});
  // mean(1,2,4,5), mean(3,6), mean(7,8), mean(9)
  CHECK(as_vector(y) == std::vector<float>{3, 4.5f, 7.5f, 9});

  // Each window shares its gradient over its in-bounds pixels: 4/4, 6/2, 2/2, 5/1.
  Tensor d_y(y.shape(), std::vector<float>{4, 6, 2, 5});
  Tensor d_x(x.shape());
  Tensor* d_in[] = {&d_x};
  const Tensor* in[] = {&x};
  pool.backward(d_in, d_y, in, y, {});
  CHECK(as_vector(d_x) == std::vector<float>{1, 1, 3, 1, 1, 3, 1, 1, 5});
}

TEST_CASE("AvgPool backward matches finite differences") {
  struct Case {
    Shape shape;
    Window2D window;
  };
  const Case cases[] = {
      {Shape::nhwc(2, 7, 5, 3), window(3, 2, PaddingMode::same)},
      {Shape::nhwc(1, 8, 6, 5), window(3, 2, PaddingMode::same)},  // SAME pads 0 top / 1 bottom
      {Shape::nhwc(1, 5, 5, 1), window(2, 1, PaddingMode::valid)},
      {Shape::nhwc(2, 6, 7, 6), window(3, 2, PaddingMode::explicit_pads, {2, 0, 1, 2})},
  };
  Rng rng(51);
  for (const Case& c : cases) {
    CAPTURE(c.shape.str());
    Tensor x = rng.tensor(c.shape);
    AvgPool pool("avg", c.window);
    // Linear in the input: differences are exact up to float rounding; default tolerance.
    check_input_gradient(pool, {&x}, 0);
  }
}

TEST_CASE("AvgPool optimised path matches the forced reference") {
  Rng rng(52);
  Tensor x = rng.tensor(Shape::nhwc(2, 15, 15, 17));
  AvgPool pool("avg", window(3, 2, PaddingMode::same));
  // Means of 9 values in [-1, 1]: summation order moves them by a few ulps.
  check_optimised_matches_reference(pool, {&x}, 1e-5f);
}

TEST_CASE("AvgPool rejects inputs it cannot pool, naming the layer and shapes") {
  AvgPool pool("avg", window(2, 2, PaddingMode::valid));
  const Shape flat[] = {Shape{2, 10}};
  CHECK_THROWS_WITH_AS(pool.output_shape(flat), doctest::Contains("AvgPool 'avg' takes an NHWC rank-4 input, got [2, 10]"),
                       Error);
  Window2D dilated = window(2, 2, PaddingMode::valid);
  dilated.dilation_h = 2;
  AvgPool with_dilation("avg2", dilated);
  const Shape image[] = {Shape::nhwc(1, 4, 4, 1)};
  CHECK_THROWS_WITH_AS(with_dilation.output_shape(image), doctest::Contains("AvgPool 'avg2': pooling has no dilation"),
                       Error);
}
