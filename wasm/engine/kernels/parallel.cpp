#include "kernels/parallel.h"

#include <algorithm>

namespace camlens::kernels {

Range split_range(size_t count, size_t parts, size_t part, size_t granule) {
  const size_t granules = (count + granule - 1) / granule;
  const size_t per_part = (granules + parts - 1) / parts;
  const size_t begin = std::min(count, part * per_part * granule);
  const size_t end = std::min(count, begin + per_part * granule);
  return {begin, end};
}

}  // namespace camlens::kernels
