// The engine's thread pool: created lazily for more than one thread, replaced when the count changes.
#include "kernels/native/thread_pool.h"

#include <memory>
#include <type_traits>

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

}  // namespace

void set_thread_count(int threads) {
  if (threads < 1) fail("set_thread_count: needs at least 1 thread, got ", threads);
  if (threads == g_thread_count) return;
  g_pool.reset();
  g_thread_count = threads;
}

int thread_count() { return g_thread_count; }

pthreadpool_t thread_pool() {
  if (g_thread_count <= 1 || t_inside_task) return nullptr;
  if (!g_pool) {
    g_pool.reset(pthreadpool_create(static_cast<size_t>(g_thread_count)));
    if (!g_pool) fail("set_thread_count: could not create a pool of ", g_thread_count, " threads; use fewer");
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
