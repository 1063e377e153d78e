#include "audit/attention.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace camlens::audit {

namespace {

void check_same_size(const explain::Map& map, const Mask& mask, const char* who) {
  if (map.height != mask.height || map.width != mask.width) {
    fail(who, ": the map is ", map.width, "x", map.height, " but the object's mask ", mask.width, "x", mask.height,
         "; give them at one size");
  }
}

// The share of [begin, end) that [cell, cell + 1) covers.
double overlap(double begin, double end, int cell) {
  return std::max(0.0, std::min(end, cell + 1.0) - std::max(begin, static_cast<double>(cell)));
}

}  // namespace

double Mask::coverage() const {
  if (inside.empty()) return 0.0;
  return static_cast<double>(std::count(inside.begin(), inside.end(), 1)) / static_cast<double>(inside.size());
}

double inside_share(const explain::Map& map, const Mask& mask) {
  check_same_size(map, mask, "inside_share");
  double total = 0.0, inside = 0.0;
  for (size_t i = 0; i < map.values.size(); ++i) {
    const double energy = std::max(0.0f, map.values[i]);
    total += energy;
    if (mask.inside[i]) inside += energy;
  }
  return total > 0.0 ? inside / total : 0.0;
}

bool pointing_hit(const explain::Map& map, const Mask& mask) {
  check_same_size(map, mask, "pointing_hit");
  if (map.values.empty()) return false;
  const auto peak = std::max_element(map.values.begin(), map.values.end());
  if (!(*peak > 0.0f)) return false;
  return mask.inside[static_cast<size_t>(peak - map.values.begin())] != 0;
}

Mask foreground_mask(const Image& image, explain::MapSize size, float threshold) {
  if (image.empty() || size.width < 1 || size.height < 1) fail("foreground_mask: needs an image and a size of at least 1x1");
  std::vector<float> brightness(static_cast<size_t>(image.width()) * image.height());
  const int colours = std::min(image.channels(), 3);
  for (int y = 0; y < image.height(); ++y) {
    for (int x = 0; x < image.width(); ++x) {
      const std::uint8_t* p = image.pixel(x, y);
      float sum = 0.0f;
      for (int c = 0; c < colours; ++c) sum += p[c];
      brightness[static_cast<size_t>(y) * image.width() + x] = sum / static_cast<float>(colours);
    }
  }
  const float brightest = *std::max_element(brightness.begin(), brightness.end());
  const float cut = threshold * brightest;
  Mask mask(size.height, size.width);
  const double scale_y = static_cast<double>(image.height()) / size.height;
  const double scale_x = static_cast<double>(image.width()) / size.width;
  for (int cy = 0; cy < size.height; ++cy) {
    for (int cx = 0; cx < size.width; ++cx) {
      double area = 0.0, bright = 0.0;
      const double y0 = cy * scale_y, y1 = (cy + 1) * scale_y, x0 = cx * scale_x, x1 = (cx + 1) * scale_x;
      for (int y = static_cast<int>(y0); y < std::min(image.height(), static_cast<int>(std::ceil(y1))); ++y) {
        for (int x = static_cast<int>(x0); x < std::min(image.width(), static_cast<int>(std::ceil(x1))); ++x) {
          const double weight = overlap(y0, y1, y) * overlap(x0, x1, x);
          area += weight;
          if (brightest > 0.0f && brightness[static_cast<size_t>(y) * image.width() + x] > cut) bright += weight;
        }
      }
      mask.inside[static_cast<size_t>(cy) * size.width + cx] = bright >= 0.5 * area ? 1 : 0;
    }
  }
  return mask;
}

Mask box_mask(const Box& box, int image_width, int image_height, explain::MapSize size) {
  if (image_width < 1 || image_height < 1) fail("box_mask: the image must have pixels");
  Mask mask(size.height, size.width);
  for (int cy = 0; cy < size.height; ++cy) {
    const double y = (cy + 0.5) * image_height / size.height;
    for (int cx = 0; cx < size.width; ++cx) {
      const double x = (cx + 0.5) * image_width / size.width;
      const bool inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
      mask.inside[static_cast<size_t>(cy) * size.width + cx] = inside ? 1 : 0;
    }
  }
  return mask;
}

Mask resized(const Mask& mask, explain::MapSize size) {
  if (mask.width < 1 || mask.height < 1) fail("resized: the mask is empty");
  Mask out(size.height, size.width);
  for (int y = 0; y < size.height; ++y) {
    const int sy = std::min(mask.height - 1, static_cast<int>((y + 0.5) * mask.height / size.height));
    for (int x = 0; x < size.width; ++x) {
      const int sx = std::min(mask.width - 1, static_cast<int>((x + 0.5) * mask.width / size.width));
      out.inside[static_cast<size_t>(y) * size.width + x] = mask.inside[static_cast<size_t>(sy) * mask.width + sx];
    }
  }
  return out;
}

explain::Map unit_peak(const explain::Map& map) {
  explain::Map out = map;
  float peak = 0.0f;
  for (float& v : out.values) {
    v = std::max(v, 0.0f);
    peak = std::max(peak, v);
  }
  if (peak > 0.0f) for (float& v : out.values) v /= peak;
  return out;
}

std::vector<float> downsampled(const explain::Map& map, int side) {
  if (side < 1 || map.empty()) fail("downsampled: needs a map and a side of at least 1");
  std::vector<float> out(static_cast<size_t>(side) * side, 0.0f);
  const double scale_y = static_cast<double>(map.height) / side, scale_x = static_cast<double>(map.width) / side;
  for (int cy = 0; cy < side; ++cy) {
    for (int cx = 0; cx < side; ++cx) {
      const double y0 = cy * scale_y, y1 = (cy + 1) * scale_y, x0 = cx * scale_x, x1 = (cx + 1) * scale_x;
      double sum = 0.0, area = 0.0;
      for (int y = static_cast<int>(y0); y < std::min(map.height, static_cast<int>(std::ceil(y1))); ++y) {
        for (int x = static_cast<int>(x0); x < std::min(map.width, static_cast<int>(std::ceil(x1))); ++x) {
          const double weight = overlap(y0, y1, y) * overlap(x0, x1, x);
          sum += weight * map.at(y, x);
          area += weight;
        }
      }
      out[static_cast<size_t>(cy) * side + cx] = static_cast<float>(sum / area);
    }
  }
  return out;
}

}  // namespace camlens::audit
