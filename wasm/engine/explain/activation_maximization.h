#pragma once
// Activation maximisation (Erhan et al. 2009; regularised as Yosinski et al. 2015): gradient ascent
// on the input image for a class logit, or for the mean activation of one channel of a layer. It
// makes an image, not a map of a given image, so it has its own entry point; it runs the same Graph
// forward and backward passes as the explanation pipeline.
//
// Each step: shift the image by a random jitter (wrapping around), forward, backward from the
// objective to the input, shift the gradient back, then
//   x += learning_rate * range * g / mean|g|   (every pixel moves learning_rate of the range on average)
//   x  = gray + (1 - l2_decay) * (x - gray)    (L2 decay towards mid-gray)
//   x  = clamp(x, black, white)                (stays a displayable image)
// and every blur_every steps a Gaussian blur. black, gray and white are the model's values for
// pixel levels 0, 0.5 and 1 after its preprocessing (io/metadata.h); range = |white - black|.
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "explain/method.h"
#include "image/image.h"
#include "io/model.h"

namespace camlens::explain {

struct ActivationMaximizationOptions {
  // The objective: the logit of class `index` when `layer` is empty, else the mean over pixels of
  // channel `index` of `layer`'s activations.
  std::string layer;
  int index = 0;
  int steps = 128;
  float learning_rate = 0.02f;  // mean step per pixel, as a fraction of the input's value range
  float l2_decay = 0.005f;
  int jitter = 2;               // largest random shift in pixels, each axis; 0: none
  int blur_every = 4;           // steps between blurs; 0: never
  float blur_sigma = 0.5f;      // pixels
  enum class Start { gray, noise } start = Start::gray;
  float start_noise = 0.1f;     // Start::noise: standard deviation around mid-gray, as a fraction of the range
  std::uint32_t seed = 0;       // jitter and start noise: the same seed gives the same image
  ProgressCallback progress;    // called after each step; returning false cancels (Cancelled)
};

struct ActivationMaximizationResult {
  Image image;                     // the optimised input as 0..255 bytes: gray or RGB, as the model reads
  Tensor input;                    // the same in the model's value space, [1, H, W, C]
  std::vector<float> objective;    // at each step, on the jittered image the step saw
  float initial_objective = 0.0f;  // on the starting image
  float final_objective = 0.0f;    // on the returned image
};

ActivationMaximizationResult maximize_activation(Model& model, const ActivationMaximizationOptions& options = {});

}  // namespace camlens::explain
