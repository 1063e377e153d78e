// ROAD's noisy linear imputation: its sparse solve against a dense solve of the equations written
// out again, the equations checked on the result (each removed pixel the weighted mean of its
// neighbours), and the noise: seeded, on removed pixels only, of the asked size.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <Eigen/Dense>

#include "evaluate/imputation.h"
#include "support/pixel_models.h"

using namespace camlens;
using namespace camlens::evaluate;

namespace {

constexpr int kHeight = 6, kWidth = 5, kChannels = 2;

// Removed: a 2x3 block touching the top edge, a corner pixel and a lone inner pixel.
std::vector<std::uint8_t> removal_mask() {
  std::vector<std::uint8_t> removed(kHeight * kWidth, 0);
  for (int y = 0; y < 2; ++y)
    for (int x = 1; x < 4; ++x) removed[y * kWidth + x] = 1;
  removed[(kHeight - 1) * kWidth + (kWidth - 1)] = 1;
  removed[3 * kWidth + 2] = 1;
  return removed;
}

// The weight of neighbour (dy, dx): 1/6 for an edge neighbour, 1/12 for a diagonal one.
double weight(int dy, int dx) { return dy != 0 && dx != 0 ? 1.0 / 12 : 1.0 / 6; }

// The weighted mean of the in-image neighbours of (y, x) in `image`, channel c.
double neighbour_mean(const Tensor& image, int y, int x, int c) {
  double sum = 0.0, total = 0.0;
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      const int ny = y + dy, nx = x + dx;
      if ((dy == 0 && dx == 0) || ny < 0 || ny >= kHeight || nx < 0 || nx >= kWidth) continue;
      sum += weight(dy, dx) * image.at(0, ny, nx, c);
      total += weight(dy, dx);
    }
  }
  return sum / total;
}

}  // namespace

TEST_CASE("imputation: the sparse solve equals a dense solve of road.py's system") {
  test::PortableRng rng(3);
  const Tensor image = rng.tensor(Shape::nhwc(1, kHeight, kWidth, kChannels));
  const std::vector<std::uint8_t> removed = removal_mask();
  const Tensor imputed = linear_imputation(image, removed);

  // road.py's system, dense: diagonal -(sum of valid weights), +w to removed neighbours, and
  // -w * value of known neighbours on the right.
  std::vector<int> unknowns, index_of(removed.size(), -1);
  for (size_t p = 0; p < removed.size(); ++p) {
    if (removed[p]) {
      index_of[p] = static_cast<int>(unknowns.size());
      unknowns.push_back(static_cast<int>(p));
    }
  }
  const int n = static_cast<int>(unknowns.size());
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, n), b = Eigen::MatrixXd::Zero(n, kChannels);
  for (int k = 0; k < n; ++k) {
    const int y = unknowns[k] / kWidth, x = unknowns[k] % kWidth;
    double valid = 0.0;
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        const int ny = y + dy, nx = x + dx;
        if ((dy == 0 && dx == 0) || ny < 0 || ny >= kHeight || nx < 0 || nx >= kWidth) continue;
        valid += weight(dy, dx);
        const int j = index_of[ny * kWidth + nx];
        if (j >= 0) a(k, j) = weight(dy, dx);
        for (int c = 0; c < kChannels && j < 0; ++c) b(k, c) -= weight(dy, dx) * image.at(0, ny, nx, c);
      }
    }
    a(k, k) = -valid;
  }
  const Eigen::MatrixXd dense = a.fullPivLu().solve(b);
  for (int k = 0; k < n; ++k) {
    for (int c = 0; c < kChannels; ++c) {
      CHECK(imputed[static_cast<size_t>(unknowns[k]) * kChannels + c] == doctest::Approx(dense(k, c)).epsilon(1e-5));
    }
  }
}

TEST_CASE("imputation: every removed pixel is its neighbours' weighted mean; kept pixels are untouched") {
  test::PortableRng rng(8);
  const Tensor image = rng.tensor(Shape::nhwc(1, kHeight, kWidth, kChannels));
  const std::vector<std::uint8_t> removed = removal_mask();
  const Tensor imputed = linear_imputation(image, removed);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      for (int c = 0; c < kChannels; ++c) {
        if (removed[y * kWidth + x]) {
          CHECK(imputed.at(0, y, x, c) == doctest::Approx(neighbour_mean(imputed, y, x, c)).epsilon(1e-5));
        } else {
          CHECK(imputed.at(0, y, x, c) == image.at(0, y, x, c));
        }
      }
    }
  }
}

TEST_CASE("imputation: seeded noise of the asked size on removed pixels only") {
  Tensor image(Shape::nhwc(1, 40, 40, 1));
  image.fill(0.25f);
  std::vector<std::uint8_t> removed(1600, 0);
  for (size_t p = 0; p < removed.size(); p += 2) removed[p] = 1;
  explain::NormalNoise first(7), second(7);
  const Tensor a = noisy_linear_imputation(image, removed, 0.01f, first);
  const Tensor b = noisy_linear_imputation(image, removed, 0.01f, second);
  double squares = 0.0;
  for (size_t p = 0; p < removed.size(); ++p) {
    CHECK(a[p] == b[p]);
    if (!removed[p]) CHECK(a[p] == 0.25f);
    if (removed[p]) squares += (a[p] - 0.25) * (a[p] - 0.25);  // the imputed value of a constant is the constant
  }
  CHECK(std::sqrt(squares / 800) == doctest::Approx(0.01).epsilon(0.1));
}

TEST_CASE("imputation: removing every pixel is refused") {
  Tensor image(Shape::nhwc(1, 2, 2, 1));
  const std::vector<std::uint8_t> all(4, 1);
  CHECK_THROWS_WITH(linear_imputation(image, all), doctest::Contains("none is left to impute from"));
}
