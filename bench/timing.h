#pragma once
// How every camlens benchmark times a piece of work: warm-up calls for at least half a second
// (first-touch allocation, weight packing, caches; in WebAssembly, V8 runs baseline code until a
// background compile swaps in optimised code), then timed calls until both a minimum count and a minimum duration are
// reached (slow work stops after max_seconds once it has 3 runs); the median with the 10th and
// 90th percentiles as the spread.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <vector>

namespace camlens::bench {

struct Timing {
  double median_ms = 0, low_ms = 0, high_ms = 0;  // wall clock; low/high: 10th and 90th percentile
  int runs = 0;
  // The process's CPU time per run (median): on a machine shared with other work, wall time also
  // counts the time slices others got. camlens is single-threaded, so CPU time is its own work.
  double cpu_median_ms = 0;
};

// The median and 10th/90th percentiles of `samples` (milliseconds); sorts them.
inline Timing summarize(std::vector<double>& samples) {
  std::sort(samples.begin(), samples.end());
  auto pick = [&](double q) { return samples[static_cast<size_t>(q * (samples.size() - 1))]; };
  return {pick(0.5), pick(0.1), pick(0.9), static_cast<int>(samples.size())};
}

inline double cpu_ms() { return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

inline constexpr double kWarmupSeconds = 0.5;

template <typename Fn>
Timing measure(Fn&& run, int min_runs, double min_seconds, double max_seconds = 1e30) {
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
  do {
    run();
  } while (elapsed() < kWarmupSeconds);
  std::vector<double> samples, cpu_samples;
  start = clock::now();
  while ((static_cast<int>(samples.size()) < min_runs || elapsed() < min_seconds) &&
         !(samples.size() >= 3 && elapsed() > max_seconds)) {
    const double cpu0 = cpu_ms();
    const auto t0 = clock::now();
    run();
    samples.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    cpu_samples.push_back(cpu_ms() - cpu0);
  }
  Timing timing = summarize(samples);
  timing.cpu_median_ms = summarize(cpu_samples).median_ms;
  return timing;
}

}  // namespace camlens::bench
