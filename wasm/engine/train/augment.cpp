#include "train/augment.h"

#include <algorithm>
#include <vector>

#include "core/error.h"

namespace camlens {

void flip_and_shift(float* pixels, float* scratch, int height, int width, int channels, bool flip, int dy, int dx) {
  const size_t row_floats = static_cast<size_t>(width) * channels;
  std::copy_n(pixels, height * row_floats, scratch);
  for (int y = 0; y < height; ++y) {
    float* out_row = pixels + y * row_floats;
    const int source_y = y - dy;
    for (int x = 0; x < width; ++x) {
      float* out = out_row + static_cast<size_t>(x) * channels;
      const int shifted_x = x - dx;
      const int source_x = flip ? width - 1 - shifted_x : shifted_x;
      if (source_y < 0 || source_y >= height || shifted_x < 0 || shifted_x >= width) {
        std::fill_n(out, channels, 0.0f);
      } else {
        std::copy_n(scratch + source_y * row_floats + static_cast<size_t>(source_x) * channels, channels, out);
      }
    }
  }
}

void augment_batch(Tensor& images, const AugmentOptions& options, SeededRandom& random) {
  const Shape& s = images.shape();
  if (s.rank() != 4) fail("augment_batch: images must be [N, H, W, C], got ", s.str());
  if (options.max_shift < 0 || options.max_shift >= std::min(s.h(), s.w())) {
    fail("augment_batch: max_shift ", options.max_shift, " must lie in [0, ", std::min(s.h(), s.w()),
         ") for images ", s.str());
  }
  const size_t item = static_cast<size_t>(s.h()) * s.w() * s.c();
  std::vector<float> scratch(item);
  const uint32_t shifts = static_cast<uint32_t>(2 * options.max_shift + 1);
  for (int n = 0; n < s.n(); ++n) {
    const bool flip = options.horizontal_flip && random.below(2) == 1;
    const int dy = static_cast<int>(random.below(shifts)) - options.max_shift;
    const int dx = static_cast<int>(random.below(shifts)) - options.max_shift;
    flip_and_shift(images.data() + n * item, scratch.data(), s.h(), s.w(), s.c(), flip, dy, dx);
  }
}

}  // namespace camlens
