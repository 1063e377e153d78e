#pragma once
// What a model needs around its graph: class labels, how to turn an image into its input, and
// which layer to explain by default. Read from model.json's "userDefinedMetadata" and from a
// metadata.json beside model.json, field by field (model.json wins); whatever neither gives is
// derived from the graph: labels "class 0".."class N-1", the input's own size, gray for one
// channel and RGB for three, values 0..1, the whole image, the last spatial layer.
//
// JSON form (every top-level field optional):
//   {"labels": ["angry", ...],
//    "input": {"height": 64, "width": 64, "color": "gray" | "rgb" | "bgr", "gray_weights": [0.2989, 0.587, 0.114]},
//            ("bgr": three channels fed blue first, as models trained on OpenCV's images expect)
//    "scaling": {"scale": 2, "offset": -1}  or  {"mean": [...], "std": [...]}   (on 0..1 values)
//    "crop": "full" | "center" | "face" | {"center": 0.875} | {"face": 1.8} | {"x": 0.1, "y": 0.1, "width": 0.8, "height": 0.8}
//            (fractions; {"center": f} is the centred square of f times the shorter side, torchvision's
//            Resize(256) then CenterCrop(224) when f = 224 / 256; "face" the face a detector finds, in a
//            square kFaceCropScale times its box, {"face": f} in a square f times its box)
//    "explain_layer": "node name",
//    "output": "classes" | "score"}
//            (classes: one logit per label, the default; score: the model ends in one value in 0..1,
//            the second label's probability, the first's being 1 - score: two labels, see
//            layers/binary_score.h)
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "graph/graph.h"

namespace camlens {

enum class InputColor { gray, rgb, bgr };
enum class OutputKind { classes, score };
enum class InputScaling { scale_offset, mean_std };
enum class CropMode {
  full,    // the whole image, squeezed to the input size
  center,  // a centred square: the largest, or center_fraction of the shorter side
  box,     // a box in fractions of the image's width and height
  face,    // the face a face detector finds (faces/face_crop.h); the centre square until one is found
};

// How much wider than BlazeFace's box a face crop is by default: its box stops at the brows and the
// chin, and FER-2013's faces (the emotion model's) are cropped with the forehead and some hair.
inline constexpr float kFaceCropScale = 1.25f;

struct DefaultCrop {
  CropMode mode = CropMode::full;
  float x = 0.0f, y = 0.0f, width = 1.0f, height = 1.0f;  // used with CropMode::box
  float center_fraction = 1.0f;                              // used with CropMode::center
  float face_scale = kFaceCropScale;                         // used with CropMode::face
};

struct ModelMetadata {
  std::vector<std::string> labels;  // one per logit
  int input_height = 0, input_width = 0;
  InputColor color = InputColor::rgb;
  std::array<float, 3> gray_weights{0.2989f, 0.5870f, 0.1140f};  // TensorFlow's rgb_to_grayscale
  InputScaling scaling = InputScaling::scale_offset;
  float scale = 1.0f, offset = 0.0f;  // scale_offset: v * scale + offset on 0..1 values
  std::array<float, 3> mean{0.0f, 0.0f, 0.0f}, std{1.0f, 1.0f, 1.0f};  // mean_std: (v - mean) / std
  DefaultCrop crop;
  std::string explain_layer;  // a spatial node of the graph
  OutputKind output = OutputKind::classes;
};

// The "output" field of `primary` then `secondary` (null: none), checked: what the logits node
// must be made of before resolve_metadata can count its classes.
OutputKind read_output_kind(const nlohmann::json* primary, const nlohmann::json* secondary);

// Fields from `primary` (model.json's userDefinedMetadata; null: none) then `secondary`
// (metadata.json; null: none), defaults for the rest, all checked against `graph` (input size and
// channels, one label per value of the `logits` node, an existing spatial explain_layer).
ModelMetadata resolve_metadata(const nlohmann::json* primary, const nlohmann::json* secondary, const Graph& graph,
                               const std::string& logits);

// "gray", "rgb" or "bgr", as the JSON form spells it.
const char* color_name(InputColor color);

// The JSON form above, every field written.
nlohmann::json metadata_to_json(const ModelMetadata& metadata);

}  // namespace camlens
