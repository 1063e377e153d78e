// Native kernel benchmark: each emotion-model layer shape and pass, reference loops vs the
// optimised kernels (XNNPACK forward; our GEMM-based backward), with GFLOP/s against the machine's
// measured peak. Prints a markdown table of medians (10th-90th percentile in brackets); --json FILE
// also writes them for bench/report.mjs. --threads N runs the optimised kernels on N threads (the
// reference loops run on one), against the measured peak of N threads.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "kernel_cases.h"
#include "kernels/backend.h"
#include "peak.h"

namespace {

using namespace camlens;
using nlohmann::json;

json timing_json(const bench::Timing& t) {
  return {{"median_ms", t.median_ms}, {"p10_ms", t.low_ms}, {"p90_ms", t.high_ms}, {"runs", t.runs}};
}

}  // namespace

int main(int argc, char** argv) {
  kernels::pin_threads_to_cpus(true);  // as the CLI and the trainer run
  std::string json_path;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else if (arg == "--threads" && i + 1 < argc && std::atoi(argv[i + 1]) >= 1) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: camlens_bench_kernels [--json FILE] [--threads N]\n");
      return 2;
    }
  }
  const bench::Peak peak1 = bench::measure_peak(1), peak2 = bench::measure_peak(2);
  std::printf("Measured peak: %.1f GFLOP/s on 1 thread, %.1f GFLOP/s on 2 threads (%d-float vector FMAs)\n\n",
              peak1.gflops, peak2.gflops, peak1.vector_floats);
  const bench::Peak peak = threads == 1 ? peak1 : threads == 2 ? peak2 : bench::measure_peak(threads);
  std::printf("Optimised kernels on %d thread(s), %% of that peak\n\n", threads);
  std::printf("| shape | pass | MFLOP | reference ms | optimised ms | speed-up | optimised GFLOP/s | %% of peak |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
  json rows = json::array();
  for (const bench::KernelCase& c : bench::emotion_model_cases()) {
    for (bench::Pass pass : bench::kPasses) {
      if (!bench::has_pass(c, pass)) continue;
      kernels::set_thread_count(1);
      const bench::Timing reference = bench::time_case(c, pass, true);
      kernels::set_thread_count(threads);
      const bench::Timing optimized = bench::time_case(c, pass, false);
      const double gflops = c.mflop() / optimized.median_ms;
      std::printf("| %s | %s | %.2f | %.3f [%.3f-%.3f] | %.4f [%.4f-%.4f] | %.1fx | %.2f | %.0f%% |\n", c.name.c_str(),
                  bench::pass_name(pass), c.mflop(), reference.median_ms, reference.low_ms, reference.high_ms,
                  optimized.median_ms, optimized.low_ms, optimized.high_ms, reference.median_ms / optimized.median_ms,
                  gflops, 100.0 * gflops / peak.gflops);
      rows.push_back({{"shape", c.name}, {"pass", bench::pass_name(pass)}, {"mflop", c.mflop()},
                      {"reference", timing_json(reference)}, {"optimized", timing_json(optimized)}});
    }
  }
  if (!json_path.empty()) {
    json out = {{"backend", kernels::optimized_backend_name()},
                {"threads", threads},
                {"peak_gflops", {{"1", peak1.gflops}, {"2", peak2.gflops}}},
                {"vector_floats", peak1.vector_floats},
                {"cases", rows}};
    out["peak_gflops"][std::to_string(threads)] = peak.gflops;  // the peak the optimised kernels ran against
    std::ofstream(json_path) << out.dump(1) << "\n";
  }
}
