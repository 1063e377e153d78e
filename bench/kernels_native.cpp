// Native kernel benchmark: each emotion-model layer shape, reference loops vs XNNPACK.
// Prints a markdown table of medians (10th-90th percentile in brackets) and GFLOP/s.
#include <cstdio>

#include "kernel_cases.h"
#include "kernels/backend.h"

int main() {
  using namespace camlens;
  std::printf("| shape | MFLOP | reference ms | %s ms | speed-up | reference GFLOP/s | %s GFLOP/s |\n",
              kernels::optimized_backend_name(), kernels::optimized_backend_name());
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  double total_reference = 0, total_optimized = 0;
  for (const bench::KernelCase& c : bench::emotion_model_cases()) {
    bench::Timing reference = bench::time_case(c, true);
    bench::Timing optimized = bench::time_case(c, false);
    total_reference += reference.median_ms;
    total_optimized += optimized.median_ms;
    std::printf("| %s | %.2f | %.3f [%.3f-%.3f] | %.4f [%.4f-%.4f] | %.1fx | %.2f | %.2f |\n", c.name.c_str(),
                c.mflop(), reference.median_ms, reference.low_ms, reference.high_ms, optimized.median_ms,
                optimized.low_ms, optimized.high_ms, reference.median_ms / optimized.median_ms,
                c.mflop() / reference.median_ms, c.mflop() / optimized.median_ms);
  }
  std::printf("\nAll shapes: reference %.2f ms, %s %.3f ms (%.1fx)\n", total_reference,
              kernels::optimized_backend_name(), total_optimized, total_reference / total_optimized);
}
