#pragma once
// The forward layer shapes of the emotion model (a 64x64x1 mini-Xception, see RECIPES), timed with
// the reference loops and with this build's optimised kernels. Shared by the native benchmark and the
// WebAssembly one (which Node drives next to TensorFlow.js).
#include <string>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/pool.h"
#include "timing.h"

namespace camlens::bench {

struct KernelCase {
  std::string name;
  enum class Kind { conv, depthwise, max_pool } kind;
  kernels::ConvGeometry conv;  // conv and depthwise
  kernels::PoolGeometry pool;  // max_pool
  double mflop() const;        // multiply-adds count 2 flops; pools count one per compare
};

std::vector<KernelCase> emotion_model_cases();

// Times one case: the reference loops or the optimised kernels, after a warm-up, until both
// min_runs and min_seconds are reached.
Timing time_case(const KernelCase& c, bool reference, int min_runs = 7, double min_seconds = 0.3);

}  // namespace camlens::bench
