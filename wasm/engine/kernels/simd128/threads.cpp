// The WebAssembly build's threads (kernels::set_thread_count). Built with -pthread (the atomics
// feature: shared memory, Web Workers behind std::thread), the engine keeps one pool of persistent
// workers; the calling thread takes part in every parallel call. Built without, it runs on one thread.
//
// Workers are never stopped while the engine lives: a WebAssembly thread that exits hands its Web
// Worker back only when the main thread next returns to its event loop, so stopping and starting
// workers inside one call would exhaust the prespawned workers. set_thread_count only changes how
// many of them take part.
#include <cstddef>

#include "core/error.h"
#include "kernels/backend.h"
#include "kernels/parallel.h"

#if defined(__wasm_atomics__)
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>
#endif

namespace camlens::kernels {

#if defined(__wasm_atomics__)

namespace {

// A worker spins this many polls for the next call before it sleeps, long enough to stay awake
// across the one-thread passes between an explanation's parallel ones and short enough to burn
// little after a burst's last call.
constexpr int kWorkerSpinPolls = 1 << 16;
// The caller spins this many polls for the workers to finish before it sleeps.
constexpr int kCallerSpinPolls = 1 << 14;

// True on a thread while it runs parallel tasks: nested parallel calls then run on that thread.
thread_local bool t_inside_task = false;

class ThreadPool {
 public:
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  size_t workers() const { return workers_.size(); }

  // Starts workers until there are `count`; throws std::system_error when the module has no
  // thread left to give (its prespawned Web Workers are all taken).
  void grow(size_t count) {
    while (workers_.size() < count) {
      const size_t index = workers_.size();
      workers_.emplace_back([this, index] { work(index); });
    }
  }

  // Runs task(context, i) for i in [0, count) on the caller and the first `helpers` workers: each
  // thread claims indices until none is left, and the caller returns once every claimed index has
  // run, without waiting for a worker that woke too late to claim one (on a shared host, one
  // descheduled for a while). The caller and the workers each notify only when the other side
  // sleeps: a flag stored, then the other side's state loaded, both sequentially consistent, so at
  // least one side sees the other (a sleeper re-checks its condition under the mutex).
  void run(size_t count, ParallelTask task, void* context, size_t helpers) {
    if (count > kIndexMask) fail("a parallel call of ", count, " tasks: at most ", kIndexMask);
    const uint64_t call = (call_.load(std::memory_order_relaxed) >> kHelperBits) + 1;
    // A new call number in claim_ first: a late worker of the last call can no longer claim, so
    // the fields below are the caller's to write until the workers see call_.
    claim_.store(claim_word(call));
    task_ = task;
    context_ = context;
    count_.store(count);
    done_.store(0);
    call_.store(call << kHelperBits | helpers);
    if (sleeping_workers_.load() > 0) {
      { std::lock_guard lock(mutex_); }  // a worker that raised the count is now waiting, or sees call_
      wake_.notify_all();
    }
    t_inside_task = true;
    drain(call);
    t_inside_task = false;
    for (int poll = 0; poll < kCallerSpinPolls; ++poll) {
      if (done_.load(std::memory_order_acquire) == count) return;
    }
    std::unique_lock lock(mutex_);
    caller_sleeping_.store(true);
    finished_.wait(lock, [&] { return done_.load() == count; });
    caller_sleeping_.store(false);
  }

 private:
  // Claims and runs indices of call number `call` until none is left or a newer call began.
  void drain(uint64_t call) {
    for (;;) {
      uint64_t word = claim_.load();
      size_t count = 0;
      do {
        count = count_.load();
        // Another call's number, or this call's last index gone (a count read from a newer call
        // fails the exchange below: claim_ changed first).
        if ((word & ~kIndexMask) != claim_word(call) || (word & kIndexMask) >= count) return;
      } while (!claim_.compare_exchange_weak(word, word + 1));
      // Claimed: the caller waits for this index, so the call's fields stay as they are.
      task_(context_, static_cast<size_t>(word & kIndexMask));
      if (done_.fetch_add(1) + 1 == count && caller_sleeping_.load()) {
        std::lock_guard lock(mutex_);  // the caller is now waiting
        finished_.notify_one();
      }
    }
  }

  void work(size_t index) {
    t_inside_task = true;
    uint64_t seen = 0;
    for (;;) {
      seen = await_call(seen);
      if (seen == kStop) return;
      if (index >= (seen & kHelperMask)) continue;  // not asked to help with this call
      drain(seen >> kHelperBits);
    }
  }

  // The call word (call_) of the next call after `seen`, or kStop.
  uint64_t await_call(uint64_t seen) {
    for (int poll = 0; poll < kWorkerSpinPolls; ++poll) {
      const uint64_t call = call_.load(std::memory_order_acquire);
      if (call != seen) return call;
    }
    std::unique_lock lock(mutex_);
    sleeping_workers_.fetch_add(1);
    wake_.wait(lock, [&] { return stopping_ || call_.load() != seen; });
    sleeping_workers_.fetch_sub(1);
    return stopping_ ? kStop : call_.load(std::memory_order_acquire);
  }

  static constexpr uint64_t kStop = ~uint64_t{0};
  static constexpr int kHelperBits = 8;
  static constexpr uint64_t kHelperMask = (uint64_t{1} << kHelperBits) - 1;
  // claim_: the call number's low bits above kIndexBits, the next unclaimed index below.
  static constexpr int kIndexBits = 32;
  static constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
  static uint64_t claim_word(uint64_t call) { return call << kIndexBits; }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  bool stopping_ = false;
  // The current call, written after claim_ takes its number and before call_ does; task_ and
  // context_ are read only by a thread that claimed an index of the call, which the caller waits for.
  ParallelTask task_ = nullptr;
  void* context_ = nullptr;
  std::atomic<size_t> count_{0};
  std::atomic<uint64_t> claim_{0};
  std::atomic<size_t> done_{0};  // indices of the current call that have run
  // One word, so that a worker reads a call's number and its helper count together: the call's
  // sequence number above kHelperBits, how many workers help below.
  std::atomic<uint64_t> call_{0};
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
};

// The call word's helper bits bound the helpers; browsers give far fewer workers anyway.
constexpr int kMaxThreads = 64;
int g_thread_count = 1;
std::unique_ptr<ThreadPool> g_pool;

}  // namespace

void set_thread_count(int threads) {
  if (threads < 1) fail("set_thread_count: needs at least 1 thread, got ", threads);
  if (threads > kMaxThreads) fail("set_thread_count: at most ", kMaxThreads, " threads, got ", threads);
  if (!g_pool) g_pool = std::make_unique<ThreadPool>();
  try {
    g_pool->grow(static_cast<size_t>(threads) - 1);
  } catch (const std::system_error&) {
    fail("set_thread_count: asked for ", threads, " threads, but this WebAssembly module can run ", g_pool->workers() + 1,
         ": it prespawns its workers (in a browser, only when the page is cross-origin isolated, i.e. "
         "served with COOP/COEP headers); use at most ", g_pool->workers() + 1);
  }
  g_thread_count = threads;
}

int thread_count() { return g_thread_count; }

int parallel_thread_count() { return t_inside_task ? 1 : g_thread_count; }

void parallelize(size_t count, ParallelTask task, void* context) {
  if (g_thread_count <= 1 || count <= 1 || t_inside_task) {
    for (size_t i = 0; i < count; ++i) task(context, i);
    return;
  }
  g_pool->run(count, task, context, static_cast<size_t>(g_thread_count) - 1);
}

#else  // no atomics: a module without shared memory has no threads

void set_thread_count(int threads) {
  if (threads < 1) fail("set_thread_count: needs at least 1 thread, got ", threads);
  if (threads > 1) {
    fail("set_thread_count: this WebAssembly build runs on one thread, got ", threads,
         "; build it with -pthread for more");
  }
}

int thread_count() { return 1; }

int parallel_thread_count() { return 1; }

void parallelize(size_t count, ParallelTask task, void* context) {
  for (size_t i = 0; i < count; ++i) task(context, i);
}

#endif

}  // namespace camlens::kernels
