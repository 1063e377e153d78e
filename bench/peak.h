#pragma once
// The machine's measured single-precision peak, the yardstick for the native kernels' GFLOP/s:
// independent chains of fused multiply-adds in the widest vectors the compiler targets
// (-march=native: AVX-512 here), on `threads` threads at once. Natively only: in V8 such a loop
// under-reports the SIMD128 peak, so the WebAssembly kernels are set next to XNNPACK instead.
namespace camlens::bench {

struct Peak {
  int threads = 1;
  int vector_floats = 0;  // lanes per vector the loop used
  double gflops = 0.0;    // the best of several timed rounds, all threads together
};

Peak measure_peak(int threads);

}  // namespace camlens::bench
