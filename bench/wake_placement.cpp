// Where the kernel starts a thread woken after idle: a caller sleeps IDLE ms, wakes a sleeping
// worker through a condition variable (as camlens's thread pool and onnxruntime's do), and both
// compute for WORK ms. On a scheduler that places the wakee on an idle CPU the pair takes WORK ms;
// one that starts it on the waker's CPU makes the two share that CPU until a load balance moves
// one, up to 2x WORK. Prints, per idle time, the pair's median wall time and how often the worker
// began on the caller's CPU. Linux only (sched_getcpu); it uses nothing of camlens.
//
//   camlens_bench_wake [--work-ms MS] [--runs N] [IDLE_MS ...]   (default: 5 ms of work, idle 0 3 30 100)
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void compute_for(std::chrono::microseconds duration) {
  const auto end = Clock::now() + duration;
  volatile double sink = 1;
  while (Clock::now() < end) {
    for (int i = 0; i < 1000; ++i) sink = sink * 1.0000001 + 1e-9;
  }
}

// One worker that computes for `work` each time the caller starts a round.
class Pair {
 public:
  explicit Pair(std::chrono::microseconds work) : work_(work), worker_([this] { serve(); }) {}
  ~Pair() {
    {
      std::lock_guard lock(mutex_);
      round_ = kStop;
    }
    start_.notify_one();
    worker_.join();
  }

  // Runs one round; returns its wall time in ms and whether the worker began on the caller's CPU.
  std::pair<double, bool> round() {
    const auto t0 = Clock::now();
    {
      std::lock_guard lock(mutex_);
      ++round_;
    }
    start_.notify_one();
    const int caller_cpu = sched_getcpu();
    compute_for(work_);
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return finished_round_ == round_; });
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return {ms, worker_cpu_ == caller_cpu};
  }

 private:
  static constexpr long kStop = -1;

  void serve() {
    long seen = 0;
    for (;;) {
      std::unique_lock lock(mutex_);
      start_.wait(lock, [&] { return round_ != seen; });
      if (round_ == kStop) return;
      seen = round_;
      worker_cpu_ = sched_getcpu();
      lock.unlock();
      compute_for(work_);
      lock.lock();
      finished_round_ = seen;
      finished_.notify_one();
    }
  }

  std::chrono::microseconds work_;
  std::mutex mutex_;
  std::condition_variable start_, finished_;
  long round_ = 0, finished_round_ = 0;
  int worker_cpu_ = -1;
  std::thread worker_;
};

}  // namespace

int main(int argc, char** argv) {
  double work_ms = 5;
  int runs = 30;
  std::vector<int> idle_ms;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--work-ms" && i + 1 < argc) {
      work_ms = std::atof(argv[++i]);
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (!arg.empty() && arg[0] != '-') {
      idle_ms.push_back(std::max(0, std::atoi(arg.c_str())));
    } else {
      std::fprintf(stderr, "usage: camlens_bench_wake [--work-ms MS] [--runs N] [IDLE_MS ...]\n");
      return 2;
    }
  }
  if (idle_ms.empty()) idle_ms = {0, 3, 30, 100};

  Pair pair(std::chrono::microseconds(static_cast<long>(work_ms * 1000)));
  std::printf("| idle before each round, ms | pair of %.1f ms computations, median ms [min-max] | worker began on the caller's CPU |\n"
              "|---:|---|---:|\n",
              work_ms);
  for (const int idle : idle_ms) {
    std::vector<double> times;
    int shared = 0;
    for (int r = 0; r < runs; ++r) {
      std::this_thread::sleep_for(std::chrono::milliseconds(idle));
      const auto [ms, same_cpu] = pair.round();
      times.push_back(ms);
      shared += same_cpu;
    }
    std::sort(times.begin(), times.end());
    std::printf("| %d | %.2f [%.2f-%.2f] | %d of %d |\n", idle, times[times.size() / 2], times.front(), times.back(), shared,
                runs);
  }
  return 0;
}
