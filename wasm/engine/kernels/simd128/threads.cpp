// The WebAssembly build runs on one thread: the page's module is built without pthreads.
#include "core/error.h"
#include "kernels/backend.h"
#include "kernels/parallel.h"

namespace camlens::kernels {

void set_thread_count(int threads) {
  if (threads < 1) fail("set_thread_count: needs at least 1 thread, got ", threads);
  if (threads > 1) {
    fail("set_thread_count: the WebAssembly build runs on one thread, got ", threads,
         "; use the native build (camlens --threads N) for more");
  }
}

int thread_count() { return 1; }

int parallel_thread_count() { return 1; }

void parallelize(size_t count, ParallelTask task, void* context) {
  for (size_t i = 0; i < count; ++i) task(context, i);
}

}  // namespace camlens::kernels
