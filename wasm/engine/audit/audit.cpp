#include "audit/audit.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <set>
#include <span>

#include "core/error.h"
#include "explain/json.h"
#include "explain/method_params.h"
#include "explain/predict.h"
#include "explain/registry.h"
#include "explain/run.h"
#include "graph/paths.h"
#include "image/preprocess.h"
#include "io/json_fields.h"
#include "io/model_input.h"
#include "kernels/parallel.h"
#include "layers/softmax.h"

namespace camlens::audit {

namespace {

using json = nlohmann::ordered_json;
using json_fields::shortest_decimal;

explain::Map mean_of(const std::vector<const explain::Map*>& maps) {
  explain::Map mean(maps.front()->height, maps.front()->width);
  for (const explain::Map* map : maps)
    for (size_t v = 0; v < mean.values.size(); ++v) mean.values[v] += map->values[v] / static_cast<float>(maps.size());
  return mean;
}

double squared_distance(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return sum;
}

// SpRAy over the class's first `most_clustered` images; the others join the nearest cluster's mean.
std::vector<ClusterSummary> clusters_of(const std::vector<const ImageAudit*>& images, const SummaryOptions& options) {
  std::vector<std::vector<float>> vectors;
  for (const ImageAudit* image : images) vectors.push_back(downsampled(image->map, options.cluster_side));
  const size_t clustered = std::min(images.size(), options.most_clustered);
  const Clustering clustering =
      spectral_clusters(std::vector<std::vector<float>>(vectors.begin(), vectors.begin() + static_cast<std::ptrdiff_t>(clustered)),
                        options.spectral);
  std::vector<int> assignment = clustering.assignment;
  std::vector<std::vector<float>> centres(static_cast<size_t>(clustering.clusters), std::vector<float>(vectors[0].size(), 0.0f));
  std::vector<size_t> counts(centres.size(), 0);
  for (size_t i = 0; i < clustered; ++i) {
    ++counts[assignment[i]];
    for (size_t d = 0; d < vectors[i].size(); ++d) centres[assignment[i]][d] += vectors[i][d];
  }
  for (size_t c = 0; c < centres.size(); ++c)
    for (float& v : centres[c]) v /= static_cast<float>(counts[c]);
  for (size_t i = clustered; i < images.size(); ++i) {
    size_t best = 0;
    for (size_t c = 1; c < centres.size(); ++c) {
      if (squared_distance(vectors[i], centres[c]) < squared_distance(vectors[i], centres[best])) best = c;
    }
    assignment.push_back(static_cast<int>(best));
  }
  std::vector<ClusterSummary> clusters(centres.size());
  std::vector<std::vector<const explain::Map*>> maps(centres.size());
  for (size_t i = 0; i < images.size(); ++i) {
    clusters[assignment[i]].members.push_back(i);
    maps[assignment[i]].push_back(&images[i]->map);
  }
  for (size_t c = 0; c < clusters.size(); ++c) clusters[c].mean_map = mean_of(maps[c]);
  // Biggest first: the small, tight groups at the end are the ones a reader looks for.
  std::stable_sort(clusters.begin(), clusters.end(),
                   [](const ClusterSummary& a, const ClusterSummary& b) { return a.members.size() > b.members.size(); });
  return clusters;
}

json box_json(const Box& box) { return {{"x", box.x}, {"y", box.y}, {"width", box.width}, {"height", box.height}}; }

std::string mask_cells(const Mask& mask) {
  std::string cells;
  for (const std::uint8_t inside : mask.inside) cells += inside ? '1' : '0';
  return cells;
}

json class_json(const Audit& audit, const ClassAudit& c, const SummaryOptions& options) {
  const ClassAttention& a = c.attention;
  const bool fixed_region = a.flagged && a.reason.find("same small region") != std::string::npos;
  json clusters = json::array();
  for (const ClusterSummary& cluster : c.clusters) {
    json examples = json::array();
    for (size_t m = 0; m < std::min(cluster.members.size(), options.examples); ++m) {
      examples.push_back(audit.images[c.images[cluster.members[m]]].file);
    }
    clusters.push_back({{"images", cluster.members.size()}, {"mean_map", explain::map_json(cluster.mean_map)}, {"examples", std::move(examples)}});
  }
  return {{"class", c.class_index},
          {"label", c.label},
          {"images", c.images.size()},
          {"inside_share", {{"mean", a.mean_share}, {"median", a.median_share}, {"median_lift", a.median_lift}}},
          {"pointing", a.pointing_hits},
          {"flagged", a.flagged},
          {"reason", a.reason},
          {"region", fixed_region ? box_json(a.region) : json(nullptr)},
          {"region_share", a.region_share},
          {"mean_map", explain::map_json(a.mean_map)},
          {"clusters", std::move(clusters)}};
}

json image_json(const Audit& audit, const ImageAudit& image) {
  return {{"file", image.file},
          {"class", image.image_class},
          {"label", audit.labels[image.image_class]},
          {"matched", image.matched},
          {"predicted", image.predicted},
          {"probability", shortest_decimal(image.probability)},
          {"inside_share", image.inside_share},
          {"coverage", image.coverage},
          {"pointing_hit", image.pointing_hit},
          {"map", explain::map_json(image.map)},
          {"object", {{"width", image.object.width}, {"height", image.object.height}, {"cells", mask_cells(image.object)}}}};
}

// ---- reading ----

using json_fields::as_array;
using json_fields::as_bool;
using json_fields::as_int;
using json_fields::as_number;
using json_fields::as_object;
using json_fields::as_string;
using json_fields::require;
using in_json = nlohmann::json;

explain::Map map_from(const in_json& object, const std::string& where) {
  const int width = as_int(require(object, "width", where), where + ".width");
  const int height = as_int(require(object, "height", where), where + ".height");
  const in_json& values = as_array(require(object, "values", where), where + ".values");
  if (width < 1 || height < 1 || static_cast<uint64_t>(width) * height != values.size()) {
    fail(where, " holds ", values.size(), " values for a ", width, "x", height, " map");
  }
  explain::Map map(height, width);
  for (size_t i = 0; i < values.size(); ++i) map.values[i] = static_cast<float>(as_number(values[i], where + ".values"));
  return map;
}

Mask mask_from(const in_json& object, const std::string& where) {
  const int width = as_int(require(object, "width", where), where + ".width");
  const int height = as_int(require(object, "height", where), where + ".height");
  const std::string cells = as_string(require(object, "cells", where), where + ".cells");
  if (width < 1 || height < 1 || static_cast<uint64_t>(width) * height != cells.size() ||
      cells.find_first_not_of("01") != std::string::npos) {
    fail(where, ".cells must be ", width, "x", height, " characters 0 or 1");
  }
  Mask mask(height, width);
  for (size_t i = 0; i < cells.size(); ++i) mask.inside[i] = cells[i] == '1';
  return mask;
}

ImageAudit image_from(const in_json& object, const std::string& where, size_t classes) {
  as_object(object, where);
  ImageAudit image;
  image.file = as_string(require(object, "file", where), where + ".file");
  image.image_class = as_int(require(object, "class", where), where + ".class");
  image.predicted = as_int(require(object, "predicted", where), where + ".predicted");
  if (image.image_class < 0 || static_cast<size_t>(image.image_class) >= classes || image.predicted < 0 ||
      static_cast<size_t>(image.predicted) >= classes) {
    fail(where, " names a class outside the audit's ", classes, " labels");
  }
  image.matched = as_bool(require(object, "matched", where), where + ".matched");
  image.probability = static_cast<float>(as_number(require(object, "probability", where), where + ".probability"));
  image.inside_share = as_number(require(object, "inside_share", where), where + ".inside_share");
  image.coverage = as_number(require(object, "coverage", where), where + ".coverage");
  image.pointing_hit = as_bool(require(object, "pointing_hit", where), where + ".pointing_hit");
  image.map = map_from(require(object, "map", where), where + ".map");
  image.object = mask_from(require(object, "object", where), where + ".object");
  if (image.object.width != image.map.width || image.object.height != image.map.height) {
    fail(where, ": its object and its map are of different sizes");
  }
  return image;
}

// The part of an image-sized mask inside the crop box.
Mask cropped(const Mask& mask, const CropBox& crop, int image_width, int image_height) {
  if (mask.width != image_width || mask.height != image_height) {
    fail("the object's mask is ", mask.width, "x", mask.height, " but its image ", image_width, "x", image_height);
  }
  Mask out(crop.height, crop.width);
  for (int y = 0; y < crop.height; ++y)
    for (int x = 0; x < crop.width; ++x)
      out.inside[static_cast<size_t>(y) * crop.width + x] = mask.inside[static_cast<size_t>(crop.y + y) * mask.width + crop.x + x];
  return out;
}

}  // namespace

std::string label_folder(const std::string& label) {
  std::string folder = label;
  std::replace(folder.begin(), folder.end(), '/', '-');
  return folder;
}

std::optional<int> class_of_folder(const std::string& folder, const std::vector<std::string>& labels) {
  for (size_t c = 0; c < labels.size(); ++c) {
    if (folder == labels[c] || folder == label_folder(labels[c])) return static_cast<int>(c);
  }
  return std::nullopt;
}

namespace {

// The object over the crop, pixel by pixel, so that thin objects (a sandal's straps) keep their
// shape: the given mask's part inside the crop, or the crop's bright pixels.
Mask object_pixels(const Image& rgb, const CropBox& crop, const std::optional<Mask>& object, float foreground_threshold) {
  if (object) return cropped(*object, crop, rgb.width(), rgb.height());
  return foreground_mask(crop_image(rgb, crop), {crop.height, crop.width}, foreground_threshold);
}

// Where one explanation (its heat at the crop's size) looks: what audit_image and audit_images share.
ImageAudit audit_of(const explain::Explanation& explanation, const explain::Prediction& prediction,
                    std::optional<int> folder_class, const Mask& pixels) {
  const explain::Map& heat = explanation.upsampled.front();
  ImageAudit audit;
  audit.matched = folder_class.has_value();
  audit.predicted = prediction.ranking.front();
  audit.probability = prediction.probabilities[audit.predicted];
  audit.image_class = folder_class.value_or(audit.predicted);
  audit.inside_share = inside_share(heat, pixels);
  audit.coverage = pixels.coverage();
  audit.pointing_hit = pointing_hit(heat, pixels);
  audit.map = unit_peak(explanation.raw);
  audit.object = resized(pixels, {audit.map.height, audit.map.width});
  return audit;
}

// Item `item` of the last forward pass's batch, as read_prediction reads a batch of one.
explain::Prediction prediction_of(const Model& model, size_t item) {
  const Tensor& logits = model.graph.activation(model.logits);
  const size_t classes = static_cast<size_t>(logits.shape().c());
  const std::span<const float> row = logits.values().subspan(item * classes, classes);
  explain::Prediction prediction;
  prediction.logits.assign(row.begin(), row.end());
  if (model.probabilities.empty()) {
    const Tensor one(Shape{1, static_cast<int>(classes)}, row);
    Tensor probabilities(one.shape());
    softmax_forward(probabilities, one);
    prediction.probabilities.assign(probabilities.values().begin(), probabilities.values().end());
  } else {
    const std::span<const float> probabilities =
        model.graph.activation(model.probabilities).values().subspan(item * classes, classes);
    prediction.probabilities.assign(probabilities.begin(), probabilities.end());
  }
  prediction.ranking = explain::rank_classes(prediction.probabilities);
  return prediction;
}

// Item `item` of a batch tensor [N, ...] as a batch of one.
Tensor item_of(const Tensor& batch, size_t item) {
  const Shape& s = batch.shape();
  const size_t size = batch.size() / static_cast<size_t>(s.n());
  const Shape one = s.rank() == 4 ? Shape::nhwc(1, s.h(), s.w(), s.c()) : Shape{1, s.c()};
  return Tensor(one, batch.values().subspan(item * size, size));
}

bool finite(std::span<const float> values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

}  // namespace

ImageAudit audit_image(explain::Explainer& explainer, const explain::ViewRequest& request, const Image& image,
                       std::optional<int> folder_class, const std::optional<Mask>& object, float foreground_threshold) {
  explainer.set_image(image.clone());
  explain::ViewRequest asked = request;
  asked.targets = {folder_class ? explain::Target::of_class(*folder_class) : explain::Target::top()};
  asked.pictures = false;
  asked.look.max_side = 0;  // the heat at the crop's own size: shares are measured pixel by pixel
  const explain::ViewResult result = explainer.view(asked);
  if (!result.failures.empty()) fail(result.failures.front().method, ": ", result.failures.front().message);
  return audit_of(result.explanations.front().explanation, *result.prediction, folder_class,
                  object_pixels(explainer.image(), explainer.crop(), object, foreground_threshold));
}

bool audits_in_batches(const std::string& method) {
  static const std::set<std::string> from_one_pass{"cam",       "grad-cam",  "grad-cam++", "hires-cam",
                                                   "xgrad-cam", "layer-cam", "eigen-cam"};
  return from_one_pass.contains(method);
}

std::vector<ImageAudit> audit_images(Model& model, const explain::ViewRequest& request, const std::vector<AuditInput>& inputs,
                                     float foreground_threshold) {
  if (inputs.empty()) return {};
  if (request.methods.size() != 1 || !audits_in_batches(request.methods.front().name)) {
    fail("audit_images: explains with one method of the CAM family; use audit_image for ",
         request.methods.empty() ? std::string("no method") : request.methods.front().name);
  }
  const explain::MethodChoice& choice = request.methods.front();
  const std::unique_ptr<explain::Method> method = explain::make_method(choice.name, choice.params);
  // The layer as Explainer::view picks it: a method defined at one layer only explains there.
  const std::optional<std::string> own = method->own_layer(model);
  const std::string asked = own && !request.layer.empty() && *own != request.layer ? *own : request.layer;
  if (const std::optional<std::string> why = explain::why_not_applicable(model, *method, asked)) fail(choice.name, ": ", *why);
  const std::string layer = explain::layer_for(model, *method, asked);
  explain::check_layer(model, layer);
  const explain::Requirements needs = method->requirements();

  // ---- every image's default crop, preprocessed into one batch ----
  std::vector<CropBox> crops;
  Tensor batch, item;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Image& image = inputs[i].image;
    try {
      if (image.empty() || image.channels() != 3) fail("audit_images: needs RGB images");
      crops.push_back(default_crop_box(model.metadata.crop, image.width(), image.height()));
      check_crop_box(image, crops.back(), "explain: crop");
      preprocess_image(item, image, preprocess_spec(model.metadata, crops.back()));
    } catch (const Error& e) {
      throw Error(inputs[i].name + ": " + e.what());
    }
    const Shape& s = item.shape();
    if (i == 0) batch = Tensor(Shape::nhwc(static_cast<int>(inputs.size()), s.h(), s.w(), s.c()));
    std::copy(item.values().begin(), item.values().end(), batch.data() + i * item.size());
  }

  // ---- one forward pass, the predictions and the targets ----
  std::vector<std::string> keep{layer, model.logits};
  if (!model.probabilities.empty()) keep.push_back(model.probabilities);
  if (needs.gradients) {
    for (std::string& name : GraphPaths(model.graph.nodes()).activations_for_backward(layer, model.logits)) keep.push_back(std::move(name));
  }
  model.graph.forward(batch, {.keep = keep});
  std::vector<explain::Prediction> predictions;
  std::vector<int> targets;
  for (size_t i = 0; i < inputs.size(); ++i) {
    predictions.push_back(prediction_of(model, i));
    const explain::Prediction& prediction = predictions.back();
    try {
      if (!finite(prediction.logits) || !finite(prediction.probabilities)) {
        explain::check_finite_prediction(model, item_of(batch, i), prediction);  // names the layer, and throws
        fail("the batch's prediction is not finite where the image's own is");
      }
      const std::optional<int>& folder = inputs[i].folder_class;
      targets.push_back(explain::resolve_target(model, prediction, folder ? explain::Target::of_class(*folder) : explain::Target::top()));
    } catch (const NonFiniteError& e) {
      throw NonFiniteError(inputs[i].name + ": " + e.what());
    } catch (const Error& e) {
      throw Error(inputs[i].name + ": " + e.what());
    }
  }

  // ---- one backward pass: each image's own target logit ----
  const Tensor* gradients = nullptr;
  if (needs.gradients) {
    Tensor one_hot(model.graph.activation(model.logits).shape());
    const size_t classes = static_cast<size_t>(one_hot.shape().c());
    for (size_t i = 0; i < targets.size(); ++i) one_hot[i * classes + targets[i]] = 1.0f;
    gradients = &model.graph.backward(one_hot, {.from = model.logits, .to = layer, .wanted = {layer},
                                                .request = {.weight_grads = false, .relu = needs.relu}}).at(layer);
  }

  // ---- each image's map, as the pipeline makes it, and where it looks: images share the threads ----
  const Tensor& activations = model.graph.activation(layer);
  std::vector<ImageAudit> audits(inputs.size());
  std::vector<std::exception_ptr> failures(inputs.size());
  kernels::parallel_for(inputs.size(), [&](size_t i) {
    try {
      const std::unique_ptr<explain::Method> own_method = explain::make_method(choice.name, choice.params);
      const Tensor input = item_of(batch, i);
      const Tensor item_activations = item_of(activations, i);
      const Tensor item_gradients = gradients ? item_of(*gradients, i) : Tensor();
      explain::ExplainOptions options;
      options.sizes = {{crops[i].height, crops[i].width}};  // the heat at the crop's own size, as audit_image asks
      explain::Run run(model, input, options, 1);
      explain::ExplainContext context(run, layer, targets[i], item_activations, gradients ? &item_gradients : nullptr);
      const explain::Explanation explanation = run.finish(*own_method, context);
      audits[i] = audit_of(explanation, predictions[i], inputs[i].folder_class,
                           object_pixels(inputs[i].image, crops[i], inputs[i].object, foreground_threshold));
    } catch (const Error& e) {
      failures[i] = std::make_exception_ptr(Error(inputs[i].name + ": " + e.what()));
    } catch (...) {
      failures[i] = std::current_exception();
    }
  });
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  return audits;
}

void summarise(Audit& audit, const SummaryOptions& options) {
  std::sort(audit.images.begin(), audit.images.end(), [](const ImageAudit& a, const ImageAudit& b) { return a.file < b.file; });
  audit.classes.clear();
  std::vector<ImageAttention> everyone;
  for (const ImageAudit& image : audit.images) {
    everyone.push_back({image.map, image.object, image.inside_share, image.pointing_hit, image.coverage});
  }
  std::vector<std::vector<const ImageAudit*>> members;
  for (size_t c = 0; c < audit.labels.size(); ++c) {
    ClassAudit summary;
    summary.class_index = static_cast<int>(c);
    summary.label = audit.labels[c];
    std::vector<ImageAttention> attention, others;
    std::vector<const ImageAudit*> images;
    for (size_t i = 0; i < audit.images.size(); ++i) {
      const ImageAudit& image = audit.images[i];
      if (image.image_class != static_cast<int>(c)) {
        others.push_back(everyone[i]);
        continue;
      }
      summary.images.push_back(i);
      attention.push_back(everyone[i]);
      images.push_back(&image);
    }
    if (summary.images.empty()) continue;
    summary.attention = class_attention(attention, others, options.flags);
    audit.classes.push_back(std::move(summary));
    members.push_back(std::move(images));
  }
  // Clustering is most of a summary's time and each class's is its own: classes share the threads.
  std::vector<std::string> failures(audit.classes.size());
  kernels::parallel_for(audit.classes.size(), [&](size_t c) {
    try {
      audit.classes[c].clusters = clusters_of(members[c], options);
    } catch (const std::exception& e) {
      failures[c] = e.what();
    }
  });
  for (const std::string& failure : failures) {
    if (!failure.empty()) throw Error(failure);
  }
  std::stable_sort(audit.classes.begin(), audit.classes.end(),
                   [](const ClassAudit& a, const ClassAudit& b) { return a.attention.flagged > b.attention.flagged; });
}

nlohmann::ordered_json audit_json(const Audit& audit, const SummaryOptions& options) {
  json out = explain::result_header("audit");
  out["model"] = audit.model;
  out["data"] = audit.data;
  out["method"] = audit.method;
  out["layer"] = audit.layer;
  out["shard"] = {{"index", audit.shard_index}, {"count", audit.shard_count}};
  out["labels"] = audit.labels;
  json classes = json::array();
  for (const ClassAudit& c : audit.classes) classes.push_back(class_json(audit, c, options));
  out["classes"] = std::move(classes);
  json images = json::array();
  for (const ImageAudit& image : audit.images) images.push_back(image_json(audit, image));
  out["images"] = std::move(images);
  json skipped = json::array();
  for (const SkippedImage& s : audit.skipped) skipped.push_back({{"file", s.file}, {"reason", s.reason}});
  out["skipped"] = std::move(skipped);
  return out;
}

Audit audit_from_json(const nlohmann::json& document, const std::string& source) {
  as_object(document, source);
  if (json_fields::string_or(document, "kind", source, "") != "audit") {
    fail(source, " is not a camlens audit (its \"kind\" is not \"audit\"): give the audit.json camlens audit wrote");
  }
  Audit audit;
  audit.model = as_string(require(document, "model", source), source + ".model");
  audit.data = as_string(require(document, "data", source), source + ".data");
  audit.method = as_string(require(document, "method", source), source + ".method");
  audit.layer = as_string(require(document, "layer", source), source + ".layer");
  const in_json& shard = require(document, "shard", source);
  audit.shard_index = as_int(require(shard, "index", source + ".shard"), source + ".shard.index");
  audit.shard_count = as_int(require(shard, "count", source + ".shard"), source + ".shard.count");
  for (const in_json& label : as_array(require(document, "labels", source), source + ".labels")) {
    audit.labels.push_back(as_string(label, source + ".labels"));
  }
  const in_json& images = as_array(require(document, "images", source), source + ".images");
  for (size_t i = 0; i < images.size(); ++i) {
    audit.images.push_back(image_from(images[i], source + ".images[" + std::to_string(i) + "]", audit.labels.size()));
  }
  for (const in_json& s : as_array(require(document, "skipped", source), source + ".skipped")) {
    audit.skipped.push_back({as_string(require(s, "file", source + ".skipped"), source + ".skipped.file"),
                             as_string(require(s, "reason", source + ".skipped"), source + ".skipped.reason")});
  }
  return audit;
}

Audit merge_audits(std::vector<Audit> shards, const SummaryOptions& options) {
  if (shards.empty()) fail("merge: give the audit folders of every shard");
  Audit merged = std::move(shards.front());
  const int count = merged.shard_count;
  std::set<int> seen{merged.shard_index};
  for (size_t s = 1; s < shards.size(); ++s) {
    Audit& shard = shards[s];
    if (shard.model != merged.model || shard.method != merged.method || shard.layer != merged.layer ||
        shard.labels != merged.labels || shard.data != merged.data || shard.shard_count != count) {
      fail("merge: shard ", shard.shard_index + 1, "/", shard.shard_count, " is of another audit (model ", shard.model,
           ", data ", shard.data, ", method ", shard.method, "): merge the shards of one run");
    }
    if (!seen.insert(shard.shard_index).second) fail("merge: shard ", shard.shard_index + 1, "/", count, " is given twice");
    std::move(shard.images.begin(), shard.images.end(), std::back_inserter(merged.images));
    std::move(shard.skipped.begin(), shard.skipped.end(), std::back_inserter(merged.skipped));
  }
  for (int i = 0; i < count; ++i) {
    if (!seen.count(i)) fail("merge: shard ", i + 1, "/", count, " is missing: give every shard's audit folder");
  }
  std::set<std::string> files;
  for (const ImageAudit& image : merged.images) {
    if (!files.insert(image.file).second) fail("merge: ", image.file, " is in two shards");
  }
  std::sort(merged.skipped.begin(), merged.skipped.end(), [](const SkippedImage& a, const SkippedImage& b) { return a.file < b.file; });
  merged.shard_index = 0;
  merged.shard_count = 1;
  summarise(merged, options);
  return merged;
}

}  // namespace camlens::audit
