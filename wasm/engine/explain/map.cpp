#include "explain/map.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace camlens::explain {

namespace {

// The two source pixels and the weight of the second for output coordinate `x`.
struct Tap {
  int lo, hi;
  float frac;
};

Tap source_tap(int x, int in_size, int out_size, PixelCentres centres) {
  float src;
  if (centres == PixelCentres::half_pixel) {
    src = (static_cast<float>(x) + 0.5f) * (static_cast<float>(in_size) / static_cast<float>(out_size)) - 0.5f;
  } else {
    src = out_size > 1 ? static_cast<float>(x) * static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1) : 0.0f;
  }
  src = std::clamp(src, 0.0f, static_cast<float>(in_size - 1));
  const int lo = static_cast<int>(std::floor(src));
  const int hi = std::min(lo + 1, in_size - 1);
  return {lo, hi, src - static_cast<float>(lo)};
}

std::vector<Tap> source_taps(int in_size, int out_size, PixelCentres centres) {
  std::vector<Tap> taps(out_size);
  for (int x = 0; x < out_size; ++x) taps[x] = source_tap(x, in_size, out_size, centres);
  return taps;
}

}  // namespace

Map::Map(int height, int width) : height(height), width(width), values(static_cast<size_t>(height) * width, 0.0f) {
  if (height < 0 || width < 0) fail("explain: a map cannot have a negative size, got ", height, " x ", width);
}

void relu_inplace(Map& map) {
  for (float& v : map.values) v = std::max(v, 0.0f);
}

void min_max_normalize(Map& map) {
  if (map.empty()) return;
  const float lowest = *std::min_element(map.values.begin(), map.values.end());
  for (float& v : map.values) v -= lowest;
  const float highest = *std::max_element(map.values.begin(), map.values.end());
  for (float& v : map.values) v /= 1e-7f + highest;
}

Map resize_bilinear(const Map& map, MapSize size, PixelCentres centres) {
  if (map.empty()) fail("explain: cannot resize an empty map");
  if (size.height <= 0 || size.width <= 0) {
    fail("explain: a map can only be resized to a positive size, got ", size.height, " x ", size.width);
  }
  const std::vector<Tap> rows = source_taps(map.height, size.height, centres);
  const std::vector<Tap> cols = source_taps(map.width, size.width, centres);
  Map out(size.height, size.width);
  for (int y = 0; y < size.height; ++y) {
    const Tap& r = rows[y];
    for (int x = 0; x < size.width; ++x) {
      const Tap& c = cols[x];
      const float top = map.at(r.lo, c.lo) + c.frac * (map.at(r.lo, c.hi) - map.at(r.lo, c.lo));
      const float bottom = map.at(r.hi, c.lo) + c.frac * (map.at(r.hi, c.hi) - map.at(r.hi, c.lo));
      out.at(y, x) = top + r.frac * (bottom - top);
    }
  }
  return out;
}

Map resize_nearest(const Map& map, MapSize size) {
  if (map.empty()) fail("explain: cannot resize an empty map");
  if (size.height <= 0 || size.width <= 0) {
    fail("explain: a map can only be resized to a positive size, got ", size.height, " x ", size.width);
  }
  // floor((x + 0.5) * in / out) in integers, exact for any size.
  auto source = [](int x, int in, int out) {
    return static_cast<int>((2 * static_cast<long long>(x) + 1) * in / (2 * static_cast<long long>(out)));
  };
  Map out(size.height, size.width);
  for (int y = 0; y < size.height; ++y) {
    const int sy = source(y, map.height, size.height);
    for (int x = 0; x < size.width; ++x) out.at(y, x) = map.at(sy, source(x, map.width, size.width));
  }
  return out;
}

Map normalized(const Map& raw) {
  Map map = raw;
  relu_inplace(map);
  min_max_normalize(map);
  return map;
}

Map postprocess(const Map& raw, MapSize size, Upsampling upsampling) {
  Map map = upsampling == Upsampling::bilinear ? resize_bilinear(normalized(raw), size)
                                               : resize_nearest(normalized(raw), size);
  min_max_normalize(map);
  return map;
}

}  // namespace camlens::explain
