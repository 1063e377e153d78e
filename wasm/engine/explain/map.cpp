#include "explain/map.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <type_traits>

#include "core/error.h"
#ifdef __wasm_simd128__
#include "kernels/simd128/map_values.h"
#endif

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

// The least (or, with Greater, the largest) value, exactly as std::min_element finds it on finite
// values, but in independent lanes the compiler turns into vector min/max: a single running compare
// is a latency-bound chain that would make normalising a map cost more than resizing it. In
// WebAssembly the lanes are explicit vectors (kernels/simd128/map_values.h).
template <typename Better>
float extreme(const std::vector<float>& values, Better better) {
  constexpr size_t kLanes = 16;
  float lanes[kLanes];
  std::fill(std::begin(lanes), std::end(lanes), values[0]);
#ifdef __wasm_simd128__
  constexpr bool kLeast = std::is_same_v<Better, std::less<float>>;
  static_assert(kLeast || std::is_same_v<Better, std::greater<float>>, "extreme: std::less or std::greater only");
  size_t i = kernels::simd128::fold_extremes16<kLeast>(lanes, values.data(), values.size());
#else
  size_t i = 0;
  for (; i + kLanes <= values.size(); i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) lanes[j] = better(values[i + j], lanes[j]) ? values[i + j] : lanes[j];
  }
#endif
  float best = values[0];
  for (float v : lanes) best = better(v, best) ? v : best;
  for (; i < values.size(); ++i) best = better(values[i], best) ? values[i] : best;
  return best;
}

}  // namespace

Map::Map(int height, int width) : height(height), width(width), values(static_cast<size_t>(height) * width, 0.0f) {
  if (height < 0 || width < 0) fail("explain: a map cannot have a negative size, got ", height, " x ", width);
}

void relu_inplace(Map& map) {
  float* v = map.values.data();
  const size_t n = map.values.size();
#ifdef __wasm_simd128__
  size_t i = kernels::simd128::relu4(v, n);
#else
  size_t i = 0;
#endif
  for (; i < n; ++i) v[i] = std::max(v[i], 0.0f);
}

void min_max_normalize(Map& map) {
  if (map.empty()) return;
  const float lowest = extreme(map.values, std::less<float>());
  for (float& v : map.values) v -= lowest;
  const float highest = extreme(map.values, std::greater<float>());
  for (float& v : map.values) v /= 1e-7f + highest;
}

Map resize_bilinear(const Map& map, MapSize size, PixelCentres centres) {
  if (map.empty()) fail("explain: cannot resize an empty map");
  if (size.height <= 0 || size.width <= 0) {
    fail("explain: a map can only be resized to a positive size, got ", size.height, " x ", size.width);
  }
  const std::vector<Tap> rows = source_taps(map.height, size.height, centres);
  const std::vector<Tap> cols = source_taps(map.width, size.width, centres);
  // Each source row resized across once, then every output row blends two of them: the same
  // arithmetic as interpolating each pixel from its four taps, in loops that vectorise.
  Map across(map.height, size.width);
  for (int y = 0; y < map.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      const Tap& c = cols[x];
      across.at(y, x) = map.at(y, c.lo) + c.frac * (map.at(y, c.hi) - map.at(y, c.lo));
    }
  }
  Map out(size.height, size.width);
  for (int y = 0; y < size.height; ++y) {
    const Tap& r = rows[y];
    const float* top = &across.at(r.lo, 0);
    const float* bottom = &across.at(r.hi, 0);
    float* row = &out.at(y, 0);
    for (int x = 0; x < size.width; ++x) row[x] = top[x] + r.frac * (bottom[x] - top[x]);
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
