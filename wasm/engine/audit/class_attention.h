#pragma once
// Where one class looks, over all its images: the mean map, the share of each map's energy on the
// object, and the region the mean map concentrates on. A class is flagged when its maps sit mostly
// off the object, or on one small region, off the object, that stays put from image to image: the
// signature of a shortcut (a marker, a watermark, a background the class was photographed on).
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/attention.h"
#include "explain/map.h"

namespace camlens::audit {

struct FlagOptions {
  double outside_below = 0.4;   // flag when the median share on the object is below this
  double region_area = 0.25;    // a fixed region covers at most this share of the map
  double region_share = 0.5;    // ...and holds at least this share of the maps' energy, on average
  double region_on_object = 0.5;  // ...while the object covers less than this share of it
};

struct ClassAttention {
  explain::Map mean_map;  // the maps' mean (each ReLU'd and scaled to a maximum of 1 first)
  double mean_share = 0.0, median_share = 0.0;  // of the maps' energy on the object
  double pointing_hits = 0.0;                   // the share of maps whose peak is on the object
  Box region;                  // the mean map's hot region (cells above half its peak, connected to it)
  double region_share = 0.0;   // of each map's energy in the region, averaged
  double region_on_object = 0.0;  // the share of the region the object covers, averaged
  bool flagged = false;
  std::string reason;  // why, in a sentence; empty when not flagged
};

// `maps` (one per image, all of one size) and `objects` (each image's object at that size).
ClassAttention class_attention(std::span<const explain::Map> maps, std::span<const Mask> objects,
                               const FlagOptions& options = {});

}  // namespace camlens::audit
