#pragma once
// Light, label-preserving augmentation for small grey-level images whose background is 0:
// a random horizontal flip and a random shift by up to `max_shift` pixels each way, zeros
// entering at the edges (the same as zero-padding by max_shift and cropping back at random).
#include "core/tensor.h"
#include "train/random.h"

namespace camlens {

struct AugmentOptions {
  bool horizontal_flip = true;  // each image with probability 1/2
  int max_shift = 2;            // dy, dx uniform in [-max_shift, max_shift]; 0: no shift
};

// Flips `image` [H, W, C] (at `pixels`) left-right when `flip`, then moves its content by
// (dy, dx): out(y, x) = in(y - dy, x - dx), zero where that falls outside.
void flip_and_shift(float* pixels, float* scratch, int height, int width, int channels, bool flip, int dy, int dx);

// Augments every image of a batch [N, H, W, C] in place; each draws its own flip and shift.
void augment_batch(Tensor& images, const AugmentOptions& options, SeededRandom& random);

}  // namespace camlens
