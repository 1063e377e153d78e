#pragma once
// Splits kernel work across the engine's threads (kernels::set_thread_count). Natively the tasks run
// on one pthreadpool; in WebAssembly, with 1 thread, or when already inside a parallel task (nested
// calls), they run in order on the calling thread. Split work by what it writes, never inside a
// sum, and results do not depend on the thread count.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <thread>

#include "kernels/backend.h"

namespace camlens::kernels {

using ParallelTask = void (*)(void* context, size_t index);

// Calls task(context, i) once for every i in [0, count), possibly concurrently; returns when all are done.
void parallelize(size_t count, ParallelTask task, void* context);

// How many threads a parallel call made here runs on: thread_count(), but 1 inside a parallel task
// (nested calls run in order on the caller, so splitting there only repeats per-part setup, such
// as a GEMM packing its B panel once per part).
int parallel_thread_count();

// The same for a callable: body(i) for every i in [0, count).
template <typename Body>
void parallel_for(size_t count, const Body& body) {
  parallelize(
      count, [](void* context, size_t index) { (*static_cast<const Body*>(context))(index); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

// Splits [0, count) into `parts` contiguous ranges whose sizes (except the last) are multiples of
// `granule`; returns range `part` as [begin, end), possibly empty.
struct Range {
  size_t begin, end;
};
Range split_range(size_t count, size_t parts, size_t part, size_t granule = 1);

// Below this many multiply-adds (or comparable element operations) a pass stays on one thread,
// since waking another costs more than such a pass gains on a busy machine.
constexpr size_t kParallelMinWork = 1 << 19;

// A depthwise tap in those units: it loads its input and its weights for every multiply-add, where a
// GEMM reuses both from registers, so a tap costs several GEMM multiply-adds.
constexpr size_t kDepthwiseTapWork = 4;

// A max-pool backward tap (a compare and a select, or a masked add) in those units: it costs an
// order of magnitude more than a GEMM multiply-add in both builds.
constexpr size_t kPoolTapWork = 8;

// Per-channel passes (depthwise backward, BatchNorm) split channels in granules of a cache line of
// floats, so no two threads write the same line of an NHWC row.
constexpr size_t kChannelGranule = 16;

// body(begin, end) on each of split_range's `parts` ranges of [0, count), possibly concurrently.
template <typename Body>
void parallel_parts(size_t count, size_t granule, size_t parts, const Body& body) {
  parallel_for(parts, [&](size_t part) {
    const Range range = split_range(count, parts, part, granule);
    if (range.begin < range.end) body(range.begin, range.end);
  });
}

// Calls body(begin, end) on disjoint ranges covering [0, count), one per thread, each a multiple of
// `granule` long (but the last); on the caller alone when `work` is below kParallelMinWork.
template <typename Body>
void parallel_ranges(size_t count, size_t granule, size_t work, const Body& body) {
  const size_t granules = (count + granule - 1) / granule;
  const size_t parts = work < kParallelMinWork ? 1 : std::min<size_t>(parallel_thread_count(), granules);
  parallel_parts(count, granule, parts, body);
}

// Hands out chunks [0, parts) from both ends: the calling thread takes them from the front, the
// other threads from the back. So a thread keeps mostly the same rows pass after pass, and reads
// what it wrote from its own core's cache, while one that starts late still leaves its chunks to
// the others. Each claim returns a chunk no other claim did; make exactly `parts` claims.
class ChunkClaims {
 public:
  explicit ChunkClaims(size_t parts) : ends_(static_cast<uint64_t>(parts) << 32) {}
  size_t claim(bool from_front);

 private:
  std::atomic<uint64_t> ends_;  // the next front chunk in the low 32 bits, one past the back in the high
};

// body(part) for every part in [0, parts), possibly concurrently, each part claimed as ChunkClaims
// hands them out.
template <typename Body>
void parallel_claimed(size_t parts, const Body& body) {
  if (parts <= 1) {
    if (parts == 1) body(0);
    return;
  }
  ChunkClaims claims(parts);
  const std::thread::id caller = std::this_thread::get_id();
  parallel_for(parts, [&](size_t) { body(claims.claim(std::this_thread::get_id() == caller)); });
}

// As parallel_ranges, but in up to kChunksPerThread ranges a thread, claimed as ChunkClaims hands
// them out: for passes whose ranges need no setup of their own (no packing), so that a thread that
// starts late (woken from sleep, or descheduled on a busy machine) leaves its chunks to the others
// instead of holding up the whole call.
constexpr size_t kChunksPerThread = 4;
template <typename Body>
void parallel_chunks(size_t count, size_t granule, size_t work, const Body& body) {
  const size_t granules = (count + granule - 1) / granule;
  const size_t threads = work < kParallelMinWork ? 1 : static_cast<size_t>(parallel_thread_count());
  const size_t parts = threads == 1 ? 1 : std::min(granules, threads * kChunksPerThread);
  parallel_claimed(parts, [&](size_t part) {
    const Range range = split_range(count, parts, part, granule);
    if (range.begin < range.end) body(range.begin, range.end);
  });
}

// Sets every float of `buffers` to zero in one parallel call when they hold kParallelMinWork floats
// or more: each thread clears its part of every buffer, the calling thread the front ones, as
// parallel_chunks hands out rows, so that a thread mostly clears what it writes next. Clearing the
// gradient buffers of a training step is about 45 MB of stores, which one core alone does not
// drive at full bandwidth.
void parallel_zero(std::span<const std::span<float>> buffers);
inline void parallel_zero(float* data, size_t count) {
  const std::span<float> buffer(data, count);
  parallel_zero(std::span<const std::span<float>>(&buffer, 1));
}

}  // namespace camlens::kernels
