#include "evaluate/baselines.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "train/random.h"

namespace camlens::evaluate {

explain::Map random_map(int height, int width, std::uint64_t seed) {
  explain::Map map(height, width);
  SeededRandom random(seed);
  for (float& v : map.values) v = random.uniform(0.0f, 1.0f);
  return map;
}

explain::Map sobel_map(const Tensor& input) {
  const Shape& s = input.shape();
  if (s.rank() != 4 || s.n() != 1) fail("evaluate: the Sobel map takes one image [1, H, W, C], got ", s.str());
  const int height = s.h(), width = s.w();
  auto value = [&](int y, int x, int c) {
    return input.at(0, std::clamp(y, 0, height - 1), std::clamp(x, 0, width - 1), c);
  };
  explain::Map map(height, width);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      double energy = 0.0;
      for (int c = 0; c < s.c(); ++c) {
        const double gx = (value(y - 1, x + 1, c) + 2 * value(y, x + 1, c) + value(y + 1, x + 1, c)) -
                          (value(y - 1, x - 1, c) + 2 * value(y, x - 1, c) + value(y + 1, x - 1, c));
        const double gy = (value(y + 1, x - 1, c) + 2 * value(y + 1, x, c) + value(y + 1, x + 1, c)) -
                          (value(y - 1, x - 1, c) + 2 * value(y - 1, x, c) + value(y - 1, x + 1, c));
        energy += gx * gx + gy * gy;
      }
      map.at(y, x) = static_cast<float>(std::sqrt(energy));
    }
  }
  explain::min_max_normalize(map);
  return map;
}

}  // namespace camlens::evaluate
