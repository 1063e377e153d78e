#pragma once
// The layer shapes of the emotion model (a 64x64x1 mini-Xception, models/emotion/README.md), each pass timed
// with the reference loops and with this build's optimised kernels. Shared by the native benchmark and the
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

// The passes a layer runs: forward; backward to its input (saliency, Grad-CAM below the head,
// training); backward to its weights (training only). A pool has no weights. Each pass does the same
// multiply-adds as the forward, so mflop() holds for all three.
enum class Pass { forward, backward_input, backward_weights };
inline constexpr Pass kPasses[] = {Pass::forward, Pass::backward_input, Pass::backward_weights};
const char* pass_name(Pass pass);
bool has_pass(const KernelCase& c, Pass pass);

// Times one pass of one case: the reference loops or the optimised kernels, after a warm-up,
// until both min_runs and min_seconds are reached.
Timing time_case(const KernelCase& c, Pass pass, bool reference, int min_runs = 7, double min_seconds = 0.3);

}  // namespace camlens::bench
