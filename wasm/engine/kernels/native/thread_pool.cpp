// The engine's thread pool: created lazily for more than one thread, replaced when the count changes.
#include "kernels/native/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "kernels/backend.h"
#include "kernels/parallel.h"

namespace camlens::kernels {

namespace {

struct PoolDeleter {
  void operator()(pthreadpool_t pool) const { pthreadpool_destroy(pool); }
};

int g_thread_count = 1;
std::unique_ptr<std::remove_pointer_t<pthreadpool_t>, PoolDeleter> g_pool;
// The CPUs the pool's creator could run on before pin_threads pinned it; restored with the pool.
std::optional<cpu_set_t> g_creator_cpus;
// True on a thread while it runs a parallel task: nested parallel calls then run serially.
thread_local bool t_inside_task = false;

struct TaskCall {
  ParallelTask task;
  void* context;
};

void run_marked(void* call, size_t index) {
  const TaskCall& c = *static_cast<const TaskCall*>(call);
  const bool was_inside = t_inside_task;
  t_inside_task = true;
  c.task(c.context, index);
  t_inside_task = was_inside;
}

void pin_to(int cpu) {
  cpu_set_t own;
  CPU_ZERO(&own);
  CPU_SET(cpu, &own);
  pthread_setaffinity_np(pthread_self(), sizeof own, &own);
}

// Pins the creating thread to its current CPU and each worker of the new pool to another CPU of
// its own, so that on a busy machine a worker woken for a parallel call is never queued behind the
// caller spinning on the same CPU. With more threads than CPUs the scheduler places them.
void pin_threads(pthreadpool_t pool, int threads) {
  cpu_set_t allowed;
  if (pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < threads) return;
  const int creator_cpu = sched_getcpu();
  if (creator_cpu < 0 || !CPU_ISSET(creator_cpu, &allowed)) return;
  struct Pinning {
    pthread_t creator;
    std::vector<int> cpus;  // the allowed CPUs but the creator's
    size_t threads;
    std::atomic<size_t> arrived{0}, next_cpu{0};
  } pinning{pthread_self(), {}, static_cast<size_t>(threads)};
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed) && cpu != creator_cpu) pinning.cpus.push_back(cpu);
  }
  const auto pin_worker = [](void* context, size_t) {
    Pinning& p = *static_cast<Pinning*>(context);
    // Every thread takes exactly one item: none finishes (and steals another's) before all arrived.
    p.arrived++;
    while (p.arrived.load() < p.threads) sched_yield();
    if (!pthread_equal(pthread_self(), p.creator)) pin_to(p.cpus[p.next_cpu++ % p.cpus.size()]);
  };
  pthreadpool_parallelize_1d(pool, pin_worker, &pinning, static_cast<size_t>(threads), 0);
  g_creator_cpus = allowed;
  pin_to(creator_cpu);
}

void release_pool() {
  g_pool.reset();
  if (g_creator_cpus) pthread_setaffinity_np(pthread_self(), sizeof *g_creator_cpus, &*g_creator_cpus);
  g_creator_cpus.reset();
}

}  // namespace

void set_thread_count(int threads) {
  if (threads < 1) fail("set_thread_count: needs at least 1 thread, got ", threads);
  if (threads == g_thread_count) return;
  release_pool();
  g_thread_count = threads;
}

int thread_count() { return g_thread_count; }

int parallel_thread_count() { return t_inside_task ? 1 : g_thread_count; }

pthreadpool_t thread_pool() {
  if (g_thread_count <= 1 || t_inside_task) return nullptr;
  if (!g_pool) {
    g_pool.reset(pthreadpool_create(static_cast<size_t>(g_thread_count)));
    if (!g_pool) fail("set_thread_count: could not create a pool of ", g_thread_count, " threads; use fewer");
    if (threads_pinned_to_cpus()) pin_threads(g_pool.get(), g_thread_count);
  }
  return g_pool.get();
}

void parallelize(size_t count, ParallelTask task, void* context) {
  pthreadpool_t pool = count > 1 ? thread_pool() : nullptr;
  if (pool == nullptr) {
    for (size_t i = 0; i < count; ++i) task(context, i);
    return;
  }
  TaskCall call{task, context};
  pthreadpool_parallelize_1d(pool, run_marked, &call, count, 0);
}

}  // namespace camlens::kernels
