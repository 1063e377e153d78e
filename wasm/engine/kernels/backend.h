#pragma once
// Chooses between the plain reference loops (the specification) and the optimised kernels
// (XNNPACK natively, SIMD128 in WebAssembly). Tests force the reference to compare the two.

namespace camlens::kernels {

void force_reference(bool forced);
bool reference_forced();
// The optimised kernel family this build carries: "xnnpack" or "wasm-simd128".
const char* optimized_backend_name();

// Exact sums: every convolution and dense layer adds its products in double precision and rounds
// each output to float32 once, instead of adding in float32 as it goes. A forward value is then the
// exact one up to a single rounding, so a ReLU or max-pooling choice differs from the exact model's
// only where the exact value is within that rounding. A float32 engine's long sums drift further;
// where a ReLU input sits that close to zero, its saliency routes a region's gradient the other way
// (PyTorch's float32 saliency differs from its float64 one for the same reason). Several times
// slower than the optimised kernels; off by default. Takes precedence over force_reference.
void use_exact_sums(bool exact);
bool exact_sums();

// How many threads the optimised kernels use (XNNPACK operators, GEMMs, backward passes); 1 by
// default. Natively one thread pool, created on first use with n > 1, serves the whole engine.
// The WebAssembly build has no threads: there set_thread_count(n > 1) throws. Results do not depend
// on the count: work is split by outputs, never inside a sum. Not safe to call while a kernel runs.
void set_thread_count(int threads);
int thread_count();

// Whether the native pool pins the calling thread and each worker to CPUs of their own, so that on a
// busy machine a worker woken for a parallel call is never queued behind the caller on one CPU. Off
// by default, since a library must not change its host program's affinity: programs that own their
// process (the CLI, the trainer, the benchmarks) turn it on. Takes effect when the pool is next
// created; going back to 1 thread restores the caller's CPU set. The WebAssembly build cannot pin.
void pin_threads_to_cpus(bool pin);
bool threads_pinned_to_cpus();

// Forces the reference kernels for its lifetime, then restores the previous choice.
class ReferenceScope {
 public:
  explicit ReferenceScope(bool forced = true) : previous_(reference_forced()) { force_reference(forced); }
  ~ReferenceScope() { force_reference(previous_); }
  ReferenceScope(const ReferenceScope&) = delete;
  ReferenceScope& operator=(const ReferenceScope&) = delete;

 private:
  bool previous_;
};

// Turns exact sums on or off for its lifetime, then restores the previous choice.
class ExactSumsScope {
 public:
  explicit ExactSumsScope(bool exact = true) : previous_(exact_sums()) { use_exact_sums(exact); }
  ~ExactSumsScope() { use_exact_sums(previous_); }
  ExactSumsScope(const ExactSumsScope&) = delete;
  ExactSumsScope& operator=(const ExactSumsScope&) = delete;

 private:
  bool previous_;
};

// Sets the thread count for its lifetime, then restores the previous one.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads) : previous_(thread_count()) { set_thread_count(threads); }
  ~ThreadCountScope() { set_thread_count(previous_); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int previous_;
};

}  // namespace camlens::kernels
