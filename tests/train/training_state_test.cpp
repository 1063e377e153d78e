#include "train/training_state.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "core/error.h"

using namespace camlens;

namespace {

struct Tensors {
  Tensor kernel{Shape{2, 3}}, bias{Shape{3}};
  std::vector<NamedBuffer> named() { return {{"dense/kernel", &kernel}, {"dense/bias", &bias}}; }
};

void fill(Tensors& t, float start) {
  float v = start;
  for (float& x : t.kernel.values()) x = v++;
  for (float& x : t.bias.values()) x = v++;
}

std::vector<uint8_t> saved_state() {
  Tensors source;
  fill(source, 1.0f);
  const std::vector<size_t> order{2, 0, 3, 1};
  return encode_training_state(TrainingCounters{2, 10, 0xDEADBEEFCAFEF00Dull}, source.named(), order);
}

}  // namespace

TEST_CASE("training state: tensors, counters and the shuffled order come back exactly") {
  Tensors target;
  std::vector<size_t> order(4);
  const TrainingCounters counters = decode_training_state(saved_state(), target.named(), order, 5);
  CHECK(counters.epochs_done == 2);
  CHECK(counters.steps_taken == 10);
  CHECK(counters.random_state == 0xDEADBEEFCAFEF00Dull);  // all 64 bits, past a double's 53
  CHECK(order == std::vector<size_t>{2, 0, 3, 1});
  CHECK(target.kernel.values()[0] == 1.0f);
  CHECK(target.kernel.values()[5] == 6.0f);
  CHECK(target.bias.values()[2] == 9.0f);
}

TEST_CASE("training state: another layout, data size, batch or damaged bytes are refused before anything changes") {
  const std::vector<uint8_t> bytes = saved_state();
  Tensors target;
  fill(target, 100.0f);
  std::vector<size_t> order{0, 1, 2, 3};
  auto unchanged = [&] {
    CHECK(target.kernel.values()[0] == 100.0f);
    CHECK(order == std::vector<size_t>{0, 1, 2, 3});
  };

  SUBCASE("another architecture") {
    Tensor wider(Shape{2, 4});
    std::vector<NamedBuffer> other{{"dense/kernel", &wider}, {"dense/bias", &target.bias}};
    CHECK_THROWS_WITH_AS(decode_training_state(bytes, other, order, 5), doctest::Contains("another architecture"), Error);
    std::vector<NamedBuffer> fewer{{"dense/kernel", &target.kernel}};
    CHECK_THROWS_WITH_AS(decode_training_state(bytes, fewer, order, 5), doctest::Contains("2 tensors where this run has 1"),
                         Error);
  }
  SUBCASE("another number of training images") {
    std::vector<size_t> longer(5);
    CHECK_THROWS_WITH_AS(decode_training_state(bytes, target.named(), longer, 5), doctest::Contains("same data"), Error);
  }
  SUBCASE("another batch size") {
    CHECK_THROWS_WITH_AS(decode_training_state(bytes, target.named(), order, 4), doctest::Contains("--batch"), Error);
  }
  SUBCASE("cut short") {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 3);
    CHECK_THROWS_WITH_AS(decode_training_state(cut, target.named(), order, 5), doctest::Contains("damaged"), Error);
    const std::vector<uint8_t> header_only(bytes.begin(), bytes.begin() + 30);
    CHECK_THROWS_WITH_AS(decode_training_state(header_only, target.named(), order, 5), doctest::Contains("damaged"),
                         Error);
  }
  SUBCASE("not a state at all") {
    const std::vector<uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_THROWS_WITH_AS(decode_training_state(png, target.named(), order, 5), doctest::Contains("not a camlens training state"),
                         Error);
  }
  SUBCASE("an order that is not a permutation") {
    std::vector<uint8_t> repeated = bytes;
    REQUIRE(repeated.size() >= 4);
    // The last order entry, a little-endian uint32, made 2: the order reads 2, 0, 3, 2.
    std::fill(repeated.end() - 4, repeated.end(), uint8_t{0});
    repeated[repeated.size() - 4] = 2;
    CHECK_THROWS_WITH_AS(decode_training_state(repeated, target.named(), order, 5), doctest::Contains("order is damaged"),
                         Error);
  }
  unchanged();
}
