#include "peak.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace camlens::bench {

namespace {

// 64 bytes: one AVX-512 register; GCC splits it in two on AVX2-only machines.
typedef float Vector __attribute__((vector_size(64)));
constexpr int kLanes = sizeof(Vector) / sizeof(float);
// More independent chains than the FMA latency x ports (4 cycles x 2), so the units never wait.
constexpr int kChains = 16;
constexpr long kIterations = 20'000'000;

// Returns a value depending on every chain so the compiler keeps them all.
__attribute__((noinline)) float fma_chains(long iterations, float seed) {
  Vector acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = Vector{} + seed * static_cast<float>(c + 1);
  const Vector scale = Vector{} + 0.999999f, offset = Vector{} + 1e-7f;
  for (long i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * scale + offset;
  }
  float sum = 0.0f;
  for (int c = 0; c < kChains; ++c) {
    for (int lane = 0; lane < kLanes; ++lane) sum += acc[c][lane];
  }
  return sum;
}

double round_seconds(int threads, std::vector<float>& sinks) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&sinks, t] { sinks[t] = fma_chains(kIterations, 0.5f + static_cast<float>(t)); });
  }
  for (std::thread& worker : workers) worker.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Peak measure_peak(int threads) {
  std::vector<float> sinks(threads);
  double best = 1e30;
  for (int round = 0; round < 5; ++round) best = std::min(best, round_seconds(threads, sinks));
  const double flops = 2.0 * kLanes * kChains * static_cast<double>(kIterations) * threads;
  return {threads, kLanes, flops / best * 1e-9};
}

}  // namespace camlens::bench
