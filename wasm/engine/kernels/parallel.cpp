#include "kernels/parallel.h"

#include <algorithm>
#include <cstring>

namespace camlens::kernels {

Range split_range(size_t count, size_t parts, size_t part, size_t granule) {
  const size_t granules = (count + granule - 1) / granule;
  const size_t per_part = (granules + parts - 1) / parts;
  const size_t begin = std::min(count, part * per_part * granule);
  const size_t end = std::min(count, begin + per_part * granule);
  return {begin, end};
}

size_t ChunkClaims::claim(bool from_front) {
  uint64_t ends = ends_.load();
  for (;;) {
    const uint64_t front = ends & 0xffffffffu, back = ends >> 32;
    const uint64_t claimed = from_front ? ends + 1 : ends - (uint64_t{1} << 32);
    if (ends_.compare_exchange_weak(ends, claimed)) return from_front ? front : back - 1;
  }
}

void parallel_zero(std::span<const std::span<float>> buffers) {
  size_t total = 0;
  for (const std::span<float>& buffer : buffers) total += buffer.size();
  const size_t parts = total < kParallelMinWork ? 1 : static_cast<size_t>(parallel_thread_count());
  parallel_claimed(parts, [&](size_t part) {
    for (const std::span<float>& buffer : buffers) {
      const Range range = split_range(buffer.size(), parts, part, kChannelGranule);
      std::memset(buffer.data() + range.begin, 0, (range.end - range.begin) * sizeof(float));
    }
  });
}

}  // namespace camlens::kernels
