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

void parallel_zero(float* data, size_t count) {
  parallel_ranges(count, kChannelGranule, count,
                  [&](size_t begin, size_t end) { std::memset(data + begin, 0, (end - begin) * sizeof(float)); });
}

}  // namespace camlens::kernels
