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
  // Flag when the median share on the object is below this, and clearly below the object's own
  // share of the image by `outside_lift` (a thin object, a sandal's straps, holds little of even a
  // good map's energy; a weak model's maps spread evenly, at a lift near 0).
  double outside_below = 0.4;
  double outside_lift = -0.1;
  double region_area = 0.25;    // a fixed region covers at most this share of the map
  double region_share = 0.5;    // ...and holds at least this share of the maps' energy, on average
  double region_on_object = 0.5;  // ...while the object covers less than this share of it,
  double region_elsewhere = 0.5;  // or the other classes' maps hold at most this part as much there
};

// One image as the class summary needs it: its map and object at one size (for the mean map and
// the region), and its share and pointing hit, measured wherever the caller measures them best
// (the audit: at the image's resolution, where thin objects keep their shape).
struct ImageAttention {
  explain::Map map;
  Mask object;
  double inside_share = 0.0;
  bool pointing_hit = false;
  double coverage = 0.0;  // the share of the image the object covers: what a map spread evenly would have on it
};

// An image's attention with its share and hit measured at the map's own resolution.
ImageAttention attention_at_map_size(explain::Map map, Mask object);

struct ClassAttention {
  explain::Map mean_map;  // the maps' mean (each ReLU'd and scaled to a maximum of 1 first)
  double mean_share = 0.0, median_share = 0.0;  // of the maps' energy on the object
  double median_lift = 0.0;  // the median of each image's share minus its object's coverage
  double pointing_hits = 0.0;                   // the share of maps whose peak is on the object
  Box region;                  // the mean map's hot region (cells above half its peak, connected to it)
  double region_share = 0.0;   // of each map's energy in the region, averaged
  double region_on_object = 0.0;  // the share of the region the object covers, averaged
  double region_elsewhere = 0.0;  // the other classes' maps' share of energy in the region, averaged
  bool flagged = false;
  std::string reason;  // why, in a sentence; empty when not flagged
};

// The images' maps must be of one size, each with its object at that size. `others`, the other
// classes' images, tell a region only this class looks at (a bright marker on a dark background
// counts as object to a brightness mask, yet no other class looks at it) from one every class does.
ClassAttention class_attention(std::span<const ImageAttention> images, std::span<const ImageAttention> others = {},
                               const FlagOptions& options = {});

}  // namespace camlens::audit
