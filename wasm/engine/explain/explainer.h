#pragma once
// The Explainer: what a view of one model on one image needs, kept between requests. It holds the
// model, the image, the box of it the model sees, that box preprocessed, the forward pass of it
// and the maps already made. One request (ViewRequest) returns everything a view shows: the
// prediction, the maps of several methods and classes, the top-K strip, the layer sweep and the
// pictures, each computed only when the request changes what it depends on:
//   a colormap or opacity change  -> no pass at all: the kept maps are coloured again;
//   a class or layer change       -> backward passes only, on the kept forward pass;
//   a crop (or image) change      -> one forward pass, then what the maps need.
// The CLI and the WebAssembly bridge are both thin clients of it.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "explain/activation_maximization.h"
#include "explain/colormap.h"
#include "explain/map.h"
#include "explain/pipeline.h"
#include "explain/render.h"
#include "image/image.h"
#include "image/preprocess.h"
#include "io/model.h"

namespace camlens::explain {

// A method by name with its options (method_params.h), e.g. {"smooth-grad", {{"samples", 8}}}.
struct MethodChoice {
  std::string name;
  nlohmann::json params;  // null or an object
};

// How maps are drawn.
struct Look {
  Colormap colormap = Colormap::jet;
  float alpha = 0.4f;                          // heat over the photo, 0..1
  Upsampling upsampling = Upsampling::bilinear;  // smooth, or the layer's raw cells
  int max_side = 0;        // the longest side a panel's map is drawn at; 0: the crop's own size
  int thumbnail_side = 0;  // the same for the top-K and layer-sweep strips; 0: as max_side
};

struct ViewRequest {
  std::optional<CropBox> crop;  // nullopt: the current crop (the model's default for a new image)
  std::vector<Target> targets = {Target::top()};  // the classes the methods explain
  std::string layer;                              // empty: each method's own or the model's default
  std::vector<MethodChoice> methods;
  int top_k = 0;             // the strip: `strip_method` at the top_k most probable classes; 0: none
  bool layer_sweep = false;  // `strip_method` at every spatial layer, for the first target
  std::string strip_method = "grad-cam";
  Look look;
  bool pictures = true;  // RGBA heat map and overlay per map (the page); the CLI draws its own PNGs
};

// One map as a view shows it.
struct ViewMap {
  Explanation explanation;  // upsampled.front() is the heat at the size drawn
  std::string label;
  float probability = 0.0f;  // of the explained class
  std::string note;          // why the map is not exactly what was asked (e.g. CAM at its own layer)
  bool reused = false;       // made by an earlier request and kept
  std::optional<RgbaPictures> pictures;
};

// A method that could not explain this request, and why.
struct MethodFailure {
  std::string method;
  std::string message;
};

// What a view shows. Every part is optional: a streamed part (ViewCallbacks::part) fills only its own.
struct ViewResult {
  int image_width = 0, image_height = 0;
  CropBox crop;
  std::optional<Prediction> prediction;
  std::vector<ViewMap> explanations;  // method-major over the targets, in the order asked
  std::vector<ViewMap> top_k;
  std::vector<ViewMap> layer_sweep;
  std::vector<MethodFailure> failures;
  int forward_passes = 0, backward_passes = 0;  // run by this request (each batch counts once)
  double forward_ms = 0.0;  // of the crop's own forward pass, when this request ran it
  double total_ms = 0.0;
};

struct ViewCallbacks {
  ProgressCallback progress;  // between steps, over the whole request; false cancels (Cancelled)
  // Each part as soon as it is ready: the prediction, the fast methods' maps, the strips, then each
  // slow method's maps. The final result holds them all again.
  std::function<void(const ViewResult&)> part;
};

// A layer as a layer menu shows it.
struct LayerInfo {
  std::string name, kind;
  Shape shape;               // per image
  bool spatial = false;      // [H, W, C]
  bool explainable = false;  // spatial and feeding the logits: the CAM family can use it
  int depth = -1;            // layers between it and the logits (-1: it does not feed them)
};

struct MethodDescription {
  std::string name, title, summary;
  bool per_pixel = false, slow = false;
  std::optional<std::string> why_not;  // at the model's default layer; nullopt: it applies
  std::string layer;                   // the layer it explains by default (empty for per-pixel methods)
};

struct ModelDescription {
  std::vector<std::string> labels;
  Shape input_shape;  // per image
  std::string color;  // "gray" or "rgb"
  std::string default_layer;  // empty: no spatial layer feeds the logits
  std::vector<LayerInfo> layers;
  std::vector<MethodDescription> methods;
};

class Explainer {
 public:
  // most_kept_maps: past this many kept maps, a view drops those it did not show.
  explicit Explainer(Model model, size_t most_kept_maps = 256);

  const Model& model() const { return model_; }
  ModelDescription describe() const;

  // The photo to explain (RGB, or anything image/channels.h turns into RGB); the crop becomes the
  // model's default box of it. Returns that box.
  CropBox set_image(Image image);
  // The box of the image the model sees, in pixels; the next view runs its forward pass.
  void set_crop(const CropBox& box);
  bool has_image() const { return !image_.empty(); }
  const Image& image() const { return image_; }
  const CropBox& crop() const { return crop_; }

  ViewResult view(const ViewRequest& request, const ViewCallbacks& callbacks = {});

  // Activation maximisation (activation_maximization.h) on this model; the kept forward pass is
  // run again by the next view that needs it.
  ActivationMaximizationResult visualize(const ActivationMaximizationOptions& options);

 private:
  void use_crop(const CropBox& box);
  // The request's crop's forward pass, once per crop.
  const Prediction& ensure_forward(ViewResult& result);
  ExplainOptions options_for(const MapSize& size, Upsampling upsampling, const ProgressCallback& progress);
  // Past most_kept_maps_ kept maps, those a view did not show (`shown`, their keys) are dropped:
  // clicking through every class and layer of a big model must not hold every map it ever made.
  void forget_unused_maps(const std::set<std::string>& shown);
  // The heat coloured alone and over the crop (shrunk to the heat's size when drawn small).
  RgbaPictures pictures_of(const Map& heat, const Look& look);

  Model model_;
  size_t most_kept_maps_;
  Image image_;  // RGB
  CropBox crop_;
  Tensor input_;  // the crop preprocessed, [1, ...model input]
  SharedForward forward_;
  bool forward_valid_ = false;  // forward_.prediction is the current crop's
  // Maps already made for the current crop, by method, options, class and layer.
  std::map<std::string, Explanation> kept_;
  std::map<std::string, Upsampling> kept_upsampling_;  // how each kept map's heat was upsampled
  // The crop shrunk to the sizes pictures were drawn at (a big photo is drawn small), kept because
  // shrinking reads the whole box and a view draws many maps at one or two sizes.
  std::vector<std::pair<MapSize, Image>> shrunk_crops_;
};

}  // namespace camlens::explain
