#include "explain/explainer.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <set>
#include <utility>

#include "core/error.h"
#include "explain/layer_sweep.h"
#include "explain/method_params.h"
#include "explain/predict.h"
#include "explain/registry.h"
#include "explain/run.h"
#include "graph/paths.h"
#include "image/channels.h"
#include "io/model_input.h"

namespace camlens::explain {

namespace {

// Why a map shows nothing, when it does: a blank panel would otherwise read as a failure.
std::string flat_map_note(const Map& raw) {
  const auto [low, high] = std::minmax_element(raw.values.begin(), raw.values.end());
  if (low == raw.values.end() || *high > 0.0f) return {};
  if (*low == 0.0f) {
    return "The map is zero everywhere: the class's score does not change with these values here (a saturated "
           "output, or units switched off), so there is nothing to show.";
  }
  return "Every value of the map is negative: nothing here raises the class's score, and maps show only what does.";
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

const MethodInfo& method_info(const std::string& name) {
  for (const MethodInfo& info : registered_methods()) {
    if (info.name == name) return info;
  }
  make_method(name);  // throws the registry's message, listing the known names
  fail("explain: no method named '", name, "'");
}

// The key a map is kept under: everything it depends on once the crop is fixed.
std::string map_key(const MethodChoice& choice, const std::string& layer, int class_index) {
  return choice.name + '\n' + (choice.params.is_null() ? std::string("{}") : choice.params.dump()) + '\n' + layer +
         '\n' + std::to_string(class_index);
}

// The progress of one stage of a request, as a share [begin, end) of the whole.
ProgressCallback stage_progress(const ProgressCallback& whole, double begin, double end) {
  if (!whole) return {};
  return [whole, begin, end](const Progress& p) {
    const double fraction = std::clamp(p.fraction, 0.0, 1.0);
    return whole(Progress{p.stage, begin + (end - begin) * fraction, fraction});
  };
}

void report(const ProgressCallback& whole, std::string_view stage, double fraction) {
  if (whole && !whole(Progress{stage, fraction})) {
    throw Cancelled("explain: cancelled after " + std::string(stage));
  }
}

// A method of the request, ready to run: where it explains, and what it lacks.
struct PlannedMethod {
  MethodChoice choice;
  std::unique_ptr<Method> method;
  bool slow = false;
  std::string layer;  // the layer to pass as ExplainOptions::layer (empty: the request's default)
  std::string note;
  std::optional<std::string> why_not;
};

}  // namespace

Explainer::Explainer(Model model, size_t most_kept_maps) : model_(std::move(model)), most_kept_maps_(most_kept_maps) {
  // The one forward pass per crop keeps what every backward pass of a request may read.
  forward_.keep = GraphPaths(model_.graph.nodes()).activations_for_backward(model_.input(), model_.logits);
  forward_.keep.push_back(model_.logits);
  if (!model_.probabilities.empty()) forward_.keep.push_back(model_.probabilities);
}

ModelDescription Explainer::describe() const {
  const GraphPaths paths(model_.graph.nodes());
  ModelDescription d;
  d.labels = model_.metadata.labels;
  d.input_shape = paths.nodes().front().item_shape;
  d.color = color_name(model_.metadata.color);
  const std::vector<std::string> explainable = paths.spatial_layers_feeding(model_.logits);
  if (!explainable.empty()) d.default_layer = default_layer(model_);
  for (size_t i = 1; i < paths.nodes().size(); ++i) {
    const NodeInfo& node = paths.nodes()[i];
    const bool can = std::find(explainable.begin(), explainable.end(), node.name) != explainable.end();
    d.layers.push_back({node.name, node.kind, node.item_shape, node.spatial(), can,
                        paths.layers_between(node.name, model_.logits)});
  }
  for (const MethodInfo& info : registered_methods()) {
    const std::unique_ptr<Method> method = info.make();
    MethodDescription m{std::string(info.name), std::string(info.title), std::string(info.description),
                        !method->requirements().layer, info.slow, why_not_applicable(model_, *method), {}};
    if (!m.per_pixel && !m.why_not) m.layer = layer_for(model_, *method, "");
    d.methods.push_back(std::move(m));
  }
  return d;
}

CropBox Explainer::set_image(Image image) {
  if (image.empty()) fail("explain: the image is empty");
  image_ = image.channels() == 3 ? std::move(image) : to_rgb(image);
  use_crop(default_crop_box(model_.metadata.crop, image_.width(), image_.height()));
  return crop_;
}

void Explainer::set_crop(const CropBox& box) {
  if (image_.empty()) fail("explain: no image to crop: set one first");
  if (!(box == crop_)) use_crop(box);
}

void Explainer::use_crop(const CropBox& box) {
  check_crop_box(image_, box, "explain: crop");
  input_ = preprocess_image(image_, preprocess_spec(model_.metadata, box));
  crop_ = box;
  forward_valid_ = false;
  forward_.graph_holds = false;
  kept_.clear();
  kept_upsampling_.clear();
  shrunk_crops_.clear();
}

RgbaPictures Explainer::pictures_of(const Map& heat, const Look& look) {
  if (heat.width == crop_.width && heat.height == crop_.height) {
    return rgba_pictures(image_, heat, crop_, look.colormap, look.alpha);
  }
  const MapSize size{heat.height, heat.width};
  auto shrunk = std::find_if(shrunk_crops_.begin(), shrunk_crops_.end(), [&](const auto& entry) { return entry.first == size; });
  if (shrunk == shrunk_crops_.end()) {
    shrunk_crops_.emplace_back(size, crop_image(image_, crop_, size.width, size.height));
    shrunk = std::prev(shrunk_crops_.end());
  }
  return rgba_pictures(shrunk->second, heat, look.colormap, look.alpha);
}

const Prediction& Explainer::ensure_forward(ViewResult& result) {
  if (!forward_valid_) {
    const auto start = Clock::now();
    model_.graph.forward(input_, {.keep = forward_.keep});
    ++forward_.forward_passes;
    forward_.prediction = read_prediction(model_);
    check_finite_prediction(model_, input_, forward_.prediction);
    forward_.graph_holds = true;
    forward_valid_ = true;
    result.forward_ms = ms_since(start);
  }
  return forward_.prediction;
}

void Explainer::forget_unused_maps(const std::set<std::string>& shown) {
  if (kept_.size() <= most_kept_maps_) return;
  std::erase_if(kept_, [&](const auto& entry) { return !shown.contains(entry.first); });
  std::erase_if(kept_upsampling_, [&](const auto& entry) { return !shown.contains(entry.first); });
}

ExplainOptions Explainer::options_for(const MapSize& size, Upsampling upsampling, const ProgressCallback& progress) {
  ExplainOptions options;
  options.sizes = {size};
  options.upsampling = upsampling;
  options.progress = progress;
  options.shared_forward = &forward_;
  return options;
}

ActivationMaximizationResult Explainer::visualize(const ActivationMaximizationOptions& options) {
  forward_.graph_holds = false;  // its passes replace the kept activations
  return maximize_activation(model_, options);
}

ViewResult Explainer::view(const ViewRequest& request, const ViewCallbacks& callbacks) {
  const auto start = Clock::now();
  if (image_.empty()) fail("explain: no image to explain: set one first");
  if (request.crop) set_crop(*request.crop);
  const int forward_before = forward_.forward_passes, backward_before = forward_.backward_passes;
  const Look& look = request.look;
  const MapSize panel_size = drawn_size(crop_, look.max_side);
  const MapSize strip_size = drawn_size(crop_, look.thumbnail_side > 0 ? look.thumbnail_side : look.max_side);

  // ---- plan: which methods run where, and what each stage weighs in the progress ----
  std::vector<PlannedMethod> planned;
  for (const MethodChoice& choice : request.methods) {
    PlannedMethod p{choice, make_method(choice.name, choice.params), method_info(choice.name).slow, request.layer, {}, {}};
    const std::optional<std::string> own = p.method->own_layer(model_);
    if (own && !request.layer.empty() && *own != request.layer) {
      p.layer = *own;
      p.note = std::string(method_info(choice.name).title) + " is defined only at " + *own +
               ", the layer its global average pool reads: shown there";
    }
    p.why_not = why_not_applicable(model_, *p.method, p.layer);
    planned.push_back(std::move(p));
  }
  const bool strips = request.top_k > 0 || request.layer_sweep;
  int slow_count = 0;
  for (const PlannedMethod& p : planned) slow_count += p.slow && !p.why_not ? 1 : 0;
  const double weights = 1.0 + 1.0 + (strips ? 1.0 : 0.0) + 4.0 * slow_count;
  double done = 0.0;
  const auto next_stage = [&](double weight) {
    const double begin = done / weights;
    done += weight;
    return stage_progress(callbacks.progress, begin, done / weights);
  };
  const auto emit = [&](ViewResult& part, ViewResult& whole) {
    const bool empty = part.explanations.empty() && part.top_k.empty() && part.layer_sweep.empty() && part.failures.empty();
    part.image_width = whole.image_width;
    part.image_height = whole.image_height;
    part.crop = whole.crop;
    if (callbacks.part && !empty) callbacks.part(part);
    for (ViewMap& map : part.explanations) whole.explanations.push_back(std::move(map));
    for (ViewMap& map : part.top_k) whole.top_k.push_back(std::move(map));
    for (ViewMap& map : part.layer_sweep) whole.layer_sweep.push_back(std::move(map));
    for (MethodFailure& failure : part.failures) whole.failures.push_back(std::move(failure));
  };

  ViewResult result;
  result.image_width = image_.width();
  result.image_height = image_.height();
  result.crop = crop_;

  // ---- the forward pass and the prediction ----
  const Prediction& prediction = ensure_forward(result);
  result.prediction = prediction;
  report(callbacks.progress, "forward", (done += 1.0) / weights);
  if (callbacks.part) {
    ViewResult part;
    part.image_width = result.image_width;
    part.image_height = result.image_height;
    part.crop = crop_;
    part.prediction = prediction;
    part.forward_ms = result.forward_ms;
    callbacks.part(part);
  }
  std::vector<int> classes;
  for (const Target& target : request.targets) classes.push_back(resolve_target(model_, prediction, target));

  std::set<std::string> made_now;  // keys of the maps this request made
  // The heat each map was made with is kept too: drawn again at the same size and mode, it is reused.
  const auto keep = [&](const std::string& key, Explanation&& e) {
    kept_[key] = std::move(e);
    kept_upsampling_[key] = look.upsampling;
    made_now.insert(key);
  };

  // A map as the view shows it: the kept explanation with its heat at `size`, and its pictures.
  std::set<std::string> shown;  // keys of the maps this view returns
  const auto view_map = [&](const std::string& key, const MapSize& size, std::string note, bool reused) {
    shown.insert(key);
    const Explanation& kept = kept_.at(key);
    const bool same_heat = kept.upsampled.size() == 1 && kept.upsampled.front().height == size.height &&
                           kept.upsampled.front().width == size.width && kept_upsampling_.at(key) == look.upsampling;
    ViewMap map;
    map.explanation = kept;
    if (!same_heat) map.explanation.upsampled = {postprocess(kept.raw, size, look.upsampling)};
    map.label = model_.metadata.labels[kept.target_class];
    map.probability = prediction.probabilities[kept.target_class];
    const std::string flat = flat_map_note(kept.raw);
    map.note = note.empty() ? flat : flat.empty() ? std::move(note) : note + " " + flat;
    map.reused = reused;
    if (request.pictures) map.pictures = pictures_of(map.explanation.upsampled.front(), look);
    return map;
  };

  // Runs `methods` (sharing one forward pass and one backward pass per class) for the classes not
  // kept yet, keeps what they make, and returns every (method, class) map in order.
  const auto explain_methods = [&](std::vector<PlannedMethod*> methods, const MapSize& size,
                                   const ProgressCallback& progress, ViewResult& part) {
    // Methods asked at the same layer and missing the same classes share one explain_all.
    std::map<std::pair<std::string, std::vector<int>>, std::vector<PlannedMethod*>> groups;
    const std::string input_name = model_.input();
    const auto resolved_layer = [&](const PlannedMethod& p) {
      return p.method->requirements().layer ? layer_for(model_, *p.method, p.layer) : input_name;
    };
    for (PlannedMethod* p : methods) {
      if (p->why_not) {
        part.failures.push_back({p->choice.name, *p->why_not});
        continue;
      }
      std::vector<int> missing;
      for (int c : classes) {
        if (!kept_.contains(map_key(p->choice, resolved_layer(*p), c))) missing.push_back(c);
      }
      if (!missing.empty()) groups[{p->layer, missing}].push_back(p);
    }
    for (const auto& [asked, group] : groups) {
      const auto& [layer, missing] = asked;
      std::vector<Method*> pointers;
      for (PlannedMethod* p : group) pointers.push_back(p->method.get());
      std::vector<Target> targets;
      for (int c : missing) targets.push_back(Target::of_class(c));
      ExplainOptions options = options_for(size, look.upsampling, progress);
      options.layer = layer;
      std::vector<Explanation> made = explain_all(model_, input_, pointers, targets, options);
      for (size_t m = 0; m < group.size(); ++m) {
        for (size_t t = 0; t < missing.size(); ++t) {
          Explanation& e = made[m * missing.size() + t];
          const std::string key = map_key(group[m]->choice, e.layer, e.target_class);
          keep(key, std::move(e));
        }
      }
    }
    for (PlannedMethod* p : methods) {
      if (p->why_not) continue;
      const std::string layer = resolved_layer(*p);
      for (int c : classes) {
        const std::string key = map_key(p->choice, layer, c);
        part.explanations.push_back(view_map(key, size, p->note, !made_now.contains(key)));
      }
    }
  };

  // ---- the fast methods, in one shared pass ----
  std::vector<PlannedMethod*> fast, slow;
  for (PlannedMethod& p : planned) (p.slow ? slow : fast).push_back(&p);
  {
    ViewResult part;
    explain_methods(fast, panel_size, next_stage(1.0), part);
    emit(part, result);
  }

  // ---- the strips: top-K classes and the layer sweep ----
  if (strips) {
    ViewResult part;
    const ProgressCallback progress = next_stage(1.0);
    const MethodChoice strip{request.strip_method, nullptr};
    const std::unique_ptr<Method> method = make_method(strip.name);
    if (const std::optional<std::string> why = why_not_applicable(model_, *method, request.layer)) {
      part.failures.push_back({strip.name, *why});
    } else {
      if (request.top_k > 0) {
        const int k = std::min<int>(request.top_k, static_cast<int>(prediction.ranking.size()));
        const std::string layer = layer_for(model_, *method, request.layer);
        std::vector<Target> missing;
        for (int rank = 0; rank < k; ++rank) {
          if (!kept_.contains(map_key(strip, layer, prediction.ranking[rank]))) {
            missing.push_back(Target::of_class(prediction.ranking[rank]));
          }
        }
        if (!missing.empty()) {
          ExplainOptions options = options_for(strip_size, look.upsampling, progress);
          options.layer = request.layer;
          for (Explanation& e : explain_targets(model_, input_, *method, missing, options)) {
            keep(map_key(strip, e.layer, e.target_class), std::move(e));
          }
        }
        for (int rank = 0; rank < k; ++rank) {
          const std::string key = map_key(strip, layer, prediction.ranking[rank]);
          part.top_k.push_back(view_map(key, strip_size, {}, !made_now.contains(key)));
        }
      }
      if (request.layer_sweep && !classes.empty()) {
        const std::vector<std::string> layers = GraphPaths(model_.graph.nodes()).spatial_layers_feeding(model_.logits);
        const bool all_kept = std::all_of(layers.begin(), layers.end(), [&](const std::string& layer) {
          return kept_.contains(map_key(strip, layer, classes.front()));
        });
        if (!all_kept) {
          for (Explanation& e : explain_layer_sweep(model_, input_, *method, Target::of_class(classes.front()),
                                                    options_for(strip_size, look.upsampling, progress))) {
            keep(map_key(strip, e.layer, e.target_class), std::move(e));
          }
        }
        for (const std::string& layer : layers) {
          const std::string key = map_key(strip, layer, classes.front());
          part.layer_sweep.push_back(view_map(key, strip_size, {}, !made_now.contains(key)));
        }
      }
    }
    emit(part, result);
  }

  // ---- the slow methods, one at a time, each with its progress ----
  for (PlannedMethod* p : slow) {
    ViewResult part;
    explain_methods({p}, panel_size, p->why_not ? ProgressCallback() : next_stage(4.0), part);
    emit(part, result);
  }

  forget_unused_maps(shown);
  result.forward_passes = forward_.forward_passes - forward_before;
  result.backward_passes = forward_.backward_passes - backward_before;
  result.total_ms = ms_since(start);
  return result;
}

}  // namespace camlens::explain
