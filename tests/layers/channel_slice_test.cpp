#include "layers/channel_slice.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

std::vector<float> as_vector(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

// The plain loop as the specification: every row (all axes but the last) picks its own channels.
std::vector<float> reference(const Tensor& x, const SliceParams& p) {
  const int channels = x.shape().c();
  std::vector<float> out;
  for (size_t row = 0; row < x.size() / channels; ++row) {
    for (int j = 0; j < p.count; ++j) out.push_back(x[row * channels + p.begin + j * p.stride]);
  }
  return out;
}

}  // namespace

TEST_CASE("ChannelSlice takes one column of [N, C], as SSR-Net's heads do: hand-worked case") {
  Tensor x(Shape{2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  ChannelSlice slice("s", SliceParams{1, 1, 1});
  Tensor y = run_forward(slice, {&x});
  CHECK(y.shape() == Shape{2, 1});
  CHECK(as_vector(y) == std::vector<float>{2, 5});

  // The gradient lands in the taken column only, added to what was there.
  Tensor g(y.shape(), std::vector<float>{10, 20});
  Tensor d(x.shape(), std::vector<float>{1, 1, 1, 1, 1, 1});
  Tensor* d_in[] = {&d};
  const Tensor* in[] = {&x};
  slice.backward(d_in, g, in, y, {});
  CHECK(as_vector(d) == std::vector<float>{1, 11, 1, 1, 21, 1});
}

TEST_CASE("ChannelSlice matches the plain loop on random shapes, begins and strides") {
  Rng rng(91);
  for (int trial = 0; trial < 20; ++trial) {
    const int channels = rng.integer(1, 9);
    const SliceParams p{rng.integer(0, channels - 1), 1, rng.integer(1, 3)};
    SliceParams fitted = p;
    fitted.count = 1 + (channels - 1 - p.begin) / p.stride;  // as many as fit
    const Shape shape = trial % 2 == 0 ? Shape{2, channels} : Shape::nhwc(2, 3, 2, channels);
    Tensor x = rng.tensor(shape);
    for (const SliceParams& params : {p, fitted}) {
      ChannelSlice slice("s", params);
      Tensor y = run_forward(slice, {&x});
      CHECK(y.shape().c() == params.count);
      CHECK(as_vector(y) == reference(x, params));
    }
  }
}

TEST_CASE("ChannelSlice backward matches finite differences") {
  Rng rng(92);
  Tensor nc = rng.tensor(Shape{3, 7});
  Tensor nhwc = rng.tensor(Shape::nhwc(2, 3, 2, 5));
  ChannelSlice every_other("s", SliceParams{1, 3, 2});  // channels 1, 3, 5 of 7
  ChannelSlice every_third("s", SliceParams{0, 2, 3});  // channels 0, 3 of 5
  ChannelSlice last("s", SliceParams{4, 1, 1});
  // Linear: the default tolerance.
  check_input_gradient(every_other, {&nc}, 0);
  check_input_gradient(every_third, {&nhwc}, 0);
  check_input_gradient(last, {&nhwc}, 0);
}

TEST_CASE("ChannelSlice rejects slices that leave the last axis or take nothing") {
  const Shape three[] = {Shape{1, 3}};
  CHECK_THROWS_WITH_AS(ChannelSlice("s", SliceParams{2, 2, 1}).output_shape(three),
                       doctest::Contains("Slice 's': takes channels 2 to 3 (step 1) of [1, 3], which has 3"), Error);
  CHECK_THROWS_WITH_AS(ChannelSlice("s", SliceParams{0, 0, 1}),
                       doctest::Contains("it needs begin >= 0, count >= 1 and stride >= 1"), Error);
  CHECK_THROWS_WITH_AS(ChannelSlice("s", SliceParams{0, 1, 0}), doctest::Contains("stride 0"), Error);
}
