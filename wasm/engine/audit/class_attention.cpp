#include "audit/class_attention.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "core/error.h"

namespace camlens::audit {

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

// The cells above half the peak that connect (4-neighbours) to the peak, as a mask and its box.
std::pair<Mask, Box> hot_region(const explain::Map& mean) {
  Mask region(mean.height, mean.width);
  const auto peak_at = static_cast<size_t>(std::max_element(mean.values.begin(), mean.values.end()) - mean.values.begin());
  const float cut = 0.5f * mean.values[peak_at];
  std::queue<size_t> open;
  open.push(peak_at);
  region.inside[peak_at] = 1;
  Box box{mean.width, mean.height, 0, 0};
  int right = 0, bottom = 0;
  while (!open.empty()) {
    const size_t cell = open.front();
    open.pop();
    const int y = static_cast<int>(cell / mean.width), x = static_cast<int>(cell % mean.width);
    box.x = std::min(box.x, x);
    box.y = std::min(box.y, y);
    right = std::max(right, x + 1);
    bottom = std::max(bottom, y + 1);
    const int steps[4][2] = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}};
    for (const auto& step : steps) {
      const int ny = y + step[0], nx = x + step[1];
      if (ny < 0 || nx < 0 || ny >= mean.height || nx >= mean.width) continue;
      const size_t next = static_cast<size_t>(ny) * mean.width + nx;
      if (region.inside[next] || !(mean.values[next] > cut)) continue;
      region.inside[next] = 1;
      open.push(next);
    }
  }
  box.width = right - box.x;
  box.height = bottom - box.y;
  return {std::move(region), box};
}

std::string percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", 100.0 * share);
  return text;
}

}  // namespace

ImageAttention attention_at_map_size(explain::Map map, Mask object) {
  ImageAttention image{std::move(map), std::move(object)};
  image.coverage = image.object.coverage();
  image.inside_share = inside_share(image.map, image.object);
  image.pointing_hit = pointing_hit(image.map, image.object);
  return image;
}

ClassAttention class_attention(std::span<const ImageAttention> images, std::span<const ImageAttention> others,
                               const FlagOptions& options) {
  if (images.empty()) fail("class_attention: a class needs at least one map");
  const int height = images[0].map.height, width = images[0].map.width;
  const size_t count = images.size();
  ClassAttention result;
  result.mean_map = explain::Map(height, width);
  std::vector<double> shares, lifts;
  std::vector<explain::Map> units;
  for (size_t i = 0; i < count; ++i) {
    const ImageAttention& image = images[i];
    if (image.map.height != height || image.map.width != width) {
      fail("class_attention: every map must be ", width, "x", height, "; map ", i, " is ", image.map.width, "x",
           image.map.height);
    }
    if (image.object.height != height || image.object.width != width) {
      fail("class_attention: image ", i, "'s object is not at its map's size");
    }
    units.push_back(unit_peak(image.map));
    for (size_t v = 0; v < units.back().values.size(); ++v) result.mean_map.values[v] += units.back().values[v] / count;
    shares.push_back(image.inside_share);
    lifts.push_back(image.inside_share - image.coverage);
    result.pointing_hits += image.pointing_hit ? 1.0 / count : 0.0;
  }
  for (const double share : shares) result.mean_share += share / shares.size();
  result.median_share = median(shares);
  result.median_lift = median(lifts);

  const bool anything = std::any_of(result.mean_map.values.begin(), result.mean_map.values.end(), [](float v) { return v > 0.0f; });
  if (anything) {
    auto [region, box] = hot_region(result.mean_map);
    result.region = box;
    for (size_t i = 0; i < count; ++i) {
      result.region_share += inside_share(units[i], region) / count;
      size_t cells = 0, on_object = 0;
      for (size_t v = 0; v < region.inside.size(); ++v) {
        if (!region.inside[v]) continue;
        ++cells;
        on_object += images[i].object.inside[v];
      }
      result.region_on_object += static_cast<double>(on_object) / static_cast<double>(cells) / count;
    }
    for (const ImageAttention& other : others) {
      if (other.map.height != height || other.map.width != width) fail("class_attention: the other classes' maps are of another size");
      result.region_elsewhere += inside_share(unit_peak(other.map), region) / static_cast<double>(others.size());
    }
    const double area = static_cast<double>(box.width) * box.height / (static_cast<double>(width) * height);
    const bool small_and_held = area <= options.region_area && result.region_share >= options.region_share;
    if (small_and_held && result.region_on_object < options.region_on_object) {
      result.flagged = true;
      result.reason = "looks at the same small region in most images (" + percent(result.region_share) +
                      " of the maps' energy), off the object (it covers " + percent(result.region_on_object) +
                      " of that region)";
    } else if (small_and_held && !others.empty() &&
               result.region_elsewhere <= options.region_elsewhere * result.region_share) {
      result.flagged = true;
      result.reason = "looks at the same small region in most images (" + percent(result.region_share) +
                      " of the maps' energy), where the other classes hardly look (" +
                      percent(result.region_elsewhere) + ")";
    }
  }
  if (!result.flagged && result.median_share < options.outside_below && result.median_lift <= options.outside_lift) {
    result.flagged = true;
    result.reason = "looks mostly off the object: the median map has " + percent(result.median_share) +
                    " of its energy on it, less than the object's share of the image";
  }
  return result;
}

}  // namespace camlens::audit
