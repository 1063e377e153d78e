#pragma once
// The native build's one pthreadpool (kernels::set_thread_count), for XNNPACK operators.
#include <pthreadpool.h>

namespace camlens::kernels {

// The pool for the current thread count: nullptr (run on the caller) with 1 thread or inside a
// parallel task, so nested parallel calls never wait on the pool they run on.
pthreadpool_t thread_pool();

}  // namespace camlens::kernels
