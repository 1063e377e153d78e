#include "layers/broadcast_binary.h"

#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "support/gradcheck.h"

using namespace camlens;
using namespace camlens::test;

namespace {

constexpr BinaryOp kOps[] = {BinaryOp::add, BinaryOp::subtract, BinaryOp::multiply, BinaryOp::divide};

double reference(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::subtract: return a - b;
    case BinaryOp::multiply: return a * b;
    case BinaryOp::divide: return a / b;
  }
  return 0.0;
}

// Keeps divisors away from zero.
Tensor divisors(Rng& rng, const Shape& shape) {
  Tensor t = rng.tensor(shape, 0.5f, 2.0f);
  for (size_t i = 0; i < t.size(); i += 2) t[i] = -t[i];
  return t;
}

}  // namespace

TEST_CASE("BroadcastBinary forward: equal shapes and one value per channel, against a plain loop") {
  Rng rng(41);
  const Shape map = Shape::nhwc(2, 3, 4, 5);
  Tensor a = rng.tensor(map);
  Tensor same = divisors(rng, map);
  Tensor per_channel = divisors(rng, Shape{2, 5});
  for (BinaryOp op : kOps) {
    BroadcastBinary layer("b", op);
    Tensor y = run_forward(layer, {&a, &same});
    for (size_t i = 0; i < a.size(); ++i) CHECK(y[i] == doctest::Approx(reference(op, a[i], same[i])).epsilon(1e-6));
    Tensor z = run_forward(layer, {&a, &per_channel});
    for (int n = 0; n < 2; ++n)
      for (int p = 0; p < 12; ++p)
        for (int c = 0; c < 5; ++c) {
          const size_t i = (static_cast<size_t>(n) * 12 + p) * 5 + c;
          CHECK(z[i] == doctest::Approx(reference(op, a[i], per_channel[n * 5 + c])).epsilon(1e-6));
        }
  }
}

TEST_CASE("BroadcastBinary backward matches finite differences for both inputs") {
  Rng rng(42);
  const Shape map = Shape::nhwc(2, 3, 4, 3);
  for (BinaryOp op : kOps) {
    for (Shape second : {map, Shape{2, 3}}) {
      Tensor a = rng.tensor(map);
      Tensor b = divisors(rng, second);
      BroadcastBinary layer("b", op);
      check_input_gradient(layer, {&a, &b}, 0);
      check_input_gradient(layer, {&a, &b}, 1);
    }
  }
}

TEST_CASE("BroadcastBinary rejects a second input that neither matches nor broadcasts") {
  BroadcastBinary layer("se", BinaryOp::multiply);
  const Shape shapes[] = {Shape::nhwc(1, 4, 4, 8), Shape{1, 4}};
  CHECK_THROWS_WITH_AS(layer.output_shape(shapes),
                       doctest::Contains("Multiply 'se': input 1 has shape [1, 4] but input 0 has [1, 4, 4, 8]"), Error);
}
