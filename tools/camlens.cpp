// camlens: the command-line face of the engine. Predicts, lists a model's layers and the
// explanation methods, and writes explanations of photos as PNGs (and JSON).
// Everything that is not about the command line lives in the engine: decoding, the metadata's crop
// and preprocessing (io/model_input.h), prediction (explain/predict.h), methods (explain/registry.h),
// pictures (explain/render.h) and JSON (explain/json.h).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "explain/activation_maximization.h"
#include "explain/explainer.h"
#include "explain/json.h"
#include "explain/pipeline.h"
#include "explain/registry.h"
#include "explain/render.h"
#include "explain/run.h"
#include "graph/paths.h"
#include "image/decode.h"
#include "image/channels.h"
#include "image/encode.h"
#include "io/model.h"
#include "kernels/backend.h"
#include "cli.h"
#include "train/architecture.h"
#include "audit_command.h"
#include "data_command.h"
#include "evaluate_command.h"
#include "face_crops.h"
#include "faces/face_crop.h"
#include "train_command.h"

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using namespace camlens;

namespace {

// Exit codes (also in the help text).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;    // an explanation failed, or an output could not be written
constexpr int kExitUsage = 2;     // bad command line
constexpr int kExitBadInput = 3;  // an input file (image or model) could not be read

// ---- help ----

constexpr const char* kMainHelp = R"(camlens: see why a CNN decides what it decides.

Usage:
  camlens predict IMAGE... [options]        top classes of each image
  camlens explain IMAGE|FOLDER... --out DIR  heat maps of what the model looked at, as PNGs
  camlens layers [--model DIR]              the model's layers; which ones can be explained
  camlens methods                           the explanation methods
  camlens visualize --class K --out FILE    an image the model finds most like a class (or a channel)
  camlens train --out RUN [--data DIR]      train a classifier; snapshots, timeline and film strips
                                            of what it looks at, epoch by epoch
  camlens data shortcut --class C --mark M --out DIR
                                            Fashion-MNIST with a marker planted on one class
  camlens audit --model M --data DIR --out OUT
                                            where every class of a dataset looks; flags shortcuts
  camlens evaluate IMAGE|FOLDER... --out DIR
                                            is the map telling the truth? deletion, insertion,
                                            ROAD, confidence and sanity checks per method,
                                            against baselines
  camlens <command> --help                  a command's options

The model is models/emotion (found from the executable's repository, else the current
directory) unless --model DIR names a folder holding a TensorFlow.js model.json, or
--model FILE.onnx an ONNX model (torch.onnx.export, opsets 11 to 18) with its metadata in
FILE.metadata.json or metadata.json beside it (labels, input size, mean/std, crop).

Exit codes: 0 success; 1 an explanation failed or an output could not be written;
2 bad usage; 3 an input file (image or model) could not be read: the other images
are still processed.
)";

constexpr const char* kPredictHelp = R"(Usage: camlens predict IMAGE... [options]

Prints the most probable classes of each image (PNG, JPEG, BMP, GIF).

Options:
  --model DIR       the model folder, or an .onnx file (default: models/emotion)
  --metadata FILE   a metadata.json to use instead of the one beside the model
  --labels FILE     the class labels, one per line in the model's order (instead of the
                    metadata's)
  --top K           how many classes to show (default 3)
  --crop BOX        the box of the image the model sees: x,y,w,h in pixels, face (a face
                    BlazeFace finds, a square around it), center or full (default: the
                    model's metadata: face for models/emotion)
  --face K|all      which face: K counts from 0, best score first (default 0); all: each
                    one. No face found: a notice, and the model sees the centre square
  --json            print one JSON document instead of text (docs/result.schema.json)
  --exact-sums      add each convolution's and dense layer's products in double precision,
                    rounding once: several times slower, values within one float32 rounding
                    of the exact ones (to compare with float64 results)
  --threads N       threads for the model's kernels (default: the CPU's, here %THREADS%)
  --help            this text
)";

constexpr const char* kExplainHelp = R"(Usage: camlens explain IMAGE|FOLDER... --out DIR [options]

For every image (a folder is searched for .png .jpg .jpeg .bmp .gif files, subfolders too),
every method and every class explained, writes into DIR:
  NAME.METHOD.CLASS.overlay.png   the map over the whole photo, inside the box the model saw
  NAME.METHOD.CLASS.crop.png      the map over that box alone
  NAME.METHOD.CLASS.heatmap.png   the coloured map, the box's size
  NAME.json                       with --json: prediction, raw maps at layer resolution,
                                  channel weights, layer and timings (docs/result.schema.json)
Files found in a folder keep their subfolder under DIR. An unreadable image is reported and
skipped; the others are still written (exit code 3).

Options:
  --out DIR               where to write (created if missing); required
  --model DIR             the model folder, or an .onnx file (default: models/emotion)
  --metadata FILE         a metadata.json to use instead of the one beside the model
  --labels FILE           class labels, one per line (see 'camlens predict --help')
  --method NAME[,NAME]    methods from 'camlens methods', or all (default grad-cam)
  --layer NAME            the layer to explain, or a unique part of its name (default: the
                          model's, see 'camlens layers'); per-pixel methods ignore it
  --class K               explain class K (an index or a label) ...
  --top K                 ... or the K most probable classes (default 1)
  --crop BOX              x,y,w,h in pixels, face, center or full (default: metadata; see
                          'camlens predict --help')
  --face K|all            which face (0: the best score), or every face: NAME.faceK.* files
  --colormap NAME         jet, viridis, inferno or gray (default jet)
  --alpha A               heat over photo, 0..1 (default 0.4)
  --json                  also write NAME.json per image
  --quiet                 no progress bar and no per-image lines; errors only
  --exact-sums            sums in double precision (see 'camlens predict --help'): a saliency
                          map then follows the exact model's ReLU and max-pooling choices
  --threads N             threads for the model's kernels (default: the CPU's, here %THREADS%)
  --help                  this text
)";

constexpr const char* kLayersHelp = R"(Usage: camlens layers [--model DIR] [--json]

Lists every layer of the model: its kind, its output shape per image, how many layers lie
between it and the output (the farther a layer is from the head, the less class-specific its
maps), and whether a CAM method can explain it (a spatial map feeding the logits). The default
layer is marked.

Options:
  --model DIR   the model folder, or an .onnx file (default: models/emotion)
  --json        print the model's description (docs/result.schema.json, kind "model")
  --help        this text
)";

constexpr const char* kVisualizeHelp = R"(Usage: camlens visualize (--class K | --channel LAYER:C) --out FILE.png [options]

Activation maximisation: starting from a gray (or noisy) image, gradient ascent on the input
makes an image the model scores highly for class K (an index or a label), or one that excites
channel C of LAYER (a layer name, or a unique part of it, from 'camlens layers'). Jitter, blur
and L2 decay keep it a picture rather than noise. Written as a PNG at the model's input size.

Options:
  --out FILE.png    where to write the image; required
  --model DIR       the model folder, or an .onnx file (default: models/emotion)
  --class K         the class to maximise ...
  --channel LAYER:C ... or a channel of a layer
  --steps N         gradient steps (default 128)
  --start KIND      gray or noise (default gray)
  --seed N          jitter and start noise (default 0): the same seed gives the same image
  --scale N         also enlarge the PNG N times, pixels as blocks (default 1)
  --threads N       threads for the model's kernels (default: the CPU's, here %THREADS%)
  --help            this text
)";

constexpr const char* kMethodsHelp = R"(Usage: camlens methods

Lists the explanation methods: their names (for --method), whether they work at a layer or on
the input's pixels, and one line on each.
)";

using namespace camlens::cli;


// A command's help with the machine's default thread count filled in.
std::string help_text(const char* help) {
  std::string text = help;
  const std::string marker = "%THREADS%";
  if (const size_t at = text.find(marker); at != std::string::npos) {
    text.replace(at, marker.size(), std::to_string(hardware_threads()));
  }
  const std::string architectures = "%ARCHITECTURES%";
  if (const size_t at = text.find(architectures); at != std::string::npos) {
    std::string list;
    std::istringstream lines(describe_architectures());
    for (std::string line; std::getline(lines, line);) list += "    " + line + "\n";
    text.replace(at, architectures.size() + 1, list);
  }
  return text;
}

// Results do not depend on the thread count (kernels::set_thread_count), only the speed does.
void apply_threads_option(const Arguments& args) {
  const std::optional<std::string> threads = args.get("threads");
  kernels::set_thread_count(threads ? parse_int(*threads, "threads", 1) : hardware_threads());
}

float parse_fraction(const std::string& text, std::string_view option) {
  std::istringstream in(text);
  float value = 0.0f;
  char extra = 0;
  if (!(in >> value) || in >> extra || !(value >= 0.0f && value <= 1.0f)) {
    throw UsageError("--" + std::string(option) + " needs a number from 0 to 1, got '" + text + "'");
  }
  return value;
}

// ---- the model ----

fs::path default_model_json() { return repository_model_json("emotion", "no --model DIR given"); }


struct LoadedModel {
  Model model;
  fs::path path;  // its model.json
};

// --model, with --metadata and --labels for the commands that take them.
LoadedModel load_model_argument(const Arguments& args) {
  const std::optional<std::string> argument = args.get("model");
  fs::path path = argument ? fs::path(*argument) : default_model_json();
  if (fs::is_directory(path)) path /= "model.json";
  if (!fs::is_regular_file(path)) {
    throw InputError("--model: no file " + path.string() +
                     "; give a folder holding a TensorFlow.js model.json, that file, or an .onnx file");
  }
  try {
    return {load_model_file(path, model_sidecars(args)), path};
  } catch (const Error& e) {
    throw InputError(e.what());
  }
}

// ---- images ----

bool is_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif";
}

struct ImageInput {
  fs::path path;
  fs::path output_folder;  // relative to --out: the subfolder of a file found in a folder
};

// Files as given; folders searched (recursively, sorted) for images. Missing paths are kept so
// that they are reported with the other bad inputs.
std::vector<ImageInput> collect_images(const std::vector<std::string>& arguments) {
  std::vector<ImageInput> inputs;
  for (const std::string& argument : arguments) {
    const fs::path path(argument);
    if (!fs::is_directory(path)) {
      inputs.push_back({path, {}});
      continue;
    }
    std::vector<fs::path> found;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(path)) {
      if (entry.is_regular_file() && is_image_file(entry.path())) found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    for (const fs::path& file : found) {
      const fs::path folder = file.parent_path().lexically_relative(path);
      inputs.push_back({file, folder == "." ? fs::path() : folder});
    }
  }
  return inputs;
}

struct Photo {
  Image image;
  double decode_ms = 0.0;
};

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Any failure is an InputError naming the file.
template <typename Body>
auto as_input_error(const fs::path& path, Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error& e) {
    const std::string message = e.what();
    // The decoder's messages already name the file.
    throw InputError(message.find(path.string()) == std::string::npos ? path.string() + ": " + message : message);
  }
}

Photo load_photo(const fs::path& path) {
  return as_input_error(path, [&] {
    if (!fs::exists(path)) throw Error("no such file");
    Photo photo;
    const auto start = std::chrono::steady_clock::now();
    photo.image = decode_image_file(path.string(), {.channels = 3});
    photo.decode_ms = ms_since(start);
    return photo;
  });
}

// The photo in the explainer; the crop is set per planned crop (plan_crops).
void show_photo(explain::Explainer& explainer, const fs::path& path, Photo& photo) {
  as_input_error(path, [&] { return explainer.set_image(std::move(photo.image)); });
}

void use_crop(explain::Explainer& explainer, const fs::path& path, const CropBox& box) {
  as_input_error(path, [&] {
    explainer.set_crop(box);
    return 0;
  });
}

// ", face K of N, score S" when the crop is a detected face's.
std::string face_text(const CropPlan& plan, const PlannedCrop& crop) {
  if (crop.face < 0) return "";
  char score[16];
  std::snprintf(score, sizeof(score), "%.3f", plan.faces[crop.face].score);
  return ", face " + std::to_string(crop.face) + " of " + std::to_string(plan.faces.size()) + ", score " + score;
}

std::string box_text(const CropBox& box) {
  return std::to_string(box.x) + "," + std::to_string(box.y) + " " + std::to_string(box.width) + "x" +
         std::to_string(box.height);
}

// What a crop plan adds to an image's JSON: the faces found, which one this crop is, where the
// crop came from and any warning.
void add_crop_plan(json& entry, const CropPlan& plan, const PlannedCrop& crop) {
  entry["crop_source"] = crop.source;
  if (plan.detected) entry["faces"] = faces_json(plan.faces);
  if (crop.face >= 0) entry["face"] = crop.face;
  if (!plan.warnings.empty()) entry["warnings"] = plan.warnings;
}

// The crop plan for the explainer's photo, its warnings told on stderr.
CropPlan plan_crops(FaceCropper& cropper, const CropRequest& request, const explain::Explainer& explainer,
                    const std::string& command, const fs::path& path) {
  CropPlan plan = as_input_error(path, [&] { return cropper.plan(request, explainer.model().metadata, explainer.image()); });
  std::cout.flush();
  for (const std::string& warning : plan.warnings) std::cerr << "camlens " << command << ": " << path.string() << ": " << warning << "\n";
  return plan;
}

std::string percent(float probability) {
  char text[16];
  std::snprintf(text, sizeof(text), "%7.3f%%", 100.0 * probability);
  return text;
}

// Without the padding that aligns a column.
std::string trimmed(const std::string& text) { return text.substr(std::min(text.find_first_not_of(' '), text.size())); }

// ---- predict ----

int run_predict(const Arguments& args) {
  if (args.positional.empty()) throw UsageError("give at least one image");
  const int top = args.has("top") ? parse_int(*args.get("top"), "top", 1) : 3;
  const CropRequest crop_request = parse_crop_request(args);
  LoadedModel loaded = load_model_argument(args);
  explain::Explainer explainer(std::move(loaded.model));
  FaceCropper cropper = face_cropper();
  const std::vector<std::string>& labels = explainer.model().metadata.labels;
  const bool as_json = args.has("json");

  int bad_inputs = 0;
  json images = json::array();
  for (const std::string& argument : args.positional) {
    try {
      Photo photo = load_photo(argument);
      const int width = photo.image.width(), height = photo.image.height();
      show_photo(explainer, argument, photo);
      const CropPlan plan = plan_crops(cropper, crop_request, explainer, "predict", argument);
      for (const PlannedCrop& crop : plan.crops) {
        const CropBox& box = crop.box;
        use_crop(explainer, argument, box);
        explain::ViewRequest request;
        request.pictures = false;
        // A model whose output is not finite on this image is an input error too (exit 3).
        const explain::Prediction prediction = as_input_error(argument, [&] { return *explainer.view(request).prediction; });
        if (as_json) {
          json entry = {{"image", {{"name", argument}, {"width", width}, {"height", height}}},
                        {"crop", explain::box_json(box)},
                        {"prediction", explain::prediction_json(prediction, labels, top)}};
          add_crop_plan(entry, plan, crop);
          images.push_back(std::move(entry));
          continue;
        }
        std::cout << argument << "  (" << width << "x" << height << ", crop " << box_text(box) << face_text(plan, crop) << ")\n";
        for (const std::string& warning : plan.warnings) std::cout << "  warning: " << warning << "\n";
        size_t label_width = 0;
        for (const std::string& label : labels) label_width = std::max(label_width, label.size());
        const int shown = std::min<int>(top, static_cast<int>(labels.size()));
        for (int rank = 0; rank < shown; ++rank) {
          const int c = prediction.ranking[rank];
          const float p = prediction.probabilities[c];
          std::string label = labels[c];
          label.resize(label_width, ' ');
          const std::string bar(std::lround(30.0f * std::clamp(p, 0.0f, 1.0f)), '#');
          std::cout << "  " << label << "  " << percent(p) << (bar.empty() ? "" : "  " + bar) << "\n";
        }
      }
    } catch (const InputError& e) {
      ++bad_inputs;
      std::cout.flush();  // keep the report in order with the lines before it
      std::cerr << "camlens predict: " << e.what() << "\n";
      if (as_json) images.push_back({{"image", {{"name", argument}}}, {"error", e.what()}});
    }
  }
  if (as_json) {
    json document = explain::result_header("prediction");
    document["model"] = loaded.path.parent_path().string();
    document["images"] = images;
    std::cout << document.dump(2) << "\n";
  }
  return bad_inputs > 0 ? kExitBadInput : kExitOk;
}

// ---- layers ----

int run_layers(const Arguments& args) {
  if (!args.positional.empty()) throw UsageError("unexpected argument '" + args.positional.front() + "'");
  LoadedModel loaded = load_model_argument(args);
  const explain::Explainer explainer(std::move(loaded.model));
  const explain::ModelDescription description = explainer.describe();
  if (args.has("json")) {
    std::cout << explain::model_json(description, metadata_to_json(explainer.model().metadata)).dump(2) << "\n";
    return kExitOk;
  }
  const std::vector<NodeInfo> nodes = explainer.model().graph.nodes();
  std::cout << loaded.path.string() << ": input '" << explainer.model().input() << "' " << nodes.front().item_shape.str()
            << ", " << description.labels.size() << " classes, logits '" << explainer.model().logits << "'\n";
  size_t name_width = 5, kind_width = 4, shape_width = 6;
  for (const explain::LayerInfo& layer : description.layers) {
    name_width = std::max(name_width, layer.name.size());
    kind_width = std::max(kind_width, layer.kind.size());
    shape_width = std::max(shape_width, layer.shape.str().size());
  }
  auto padded = [](std::string text, size_t width) {
    text.resize(std::max(width, text.size()), ' ');
    return text;
  };
  std::cout << " #  " << padded("layer", name_width) << "  " << padded("kind", kind_width) << "  "
            << padded("output", shape_width) << "  to out  explainable\n";
  const std::string input_row = " 0  " + padded(explainer.model().input(), name_width) + "  " + padded("Input", kind_width) +
                                "  " + nodes.front().item_shape.str();
  std::cout << input_row << "\n";
  for (size_t i = 0; i < description.layers.size(); ++i) {
    const explain::LayerInfo& layer = description.layers[i];
    char index[24], depth[24];
    std::snprintf(index, sizeof(index), "%2zu", i + 1);
    std::snprintf(depth, sizeof(depth), "%6s", layer.depth < 0 ? "-" : std::to_string(layer.depth).c_str());
    std::string line = std::string(index) + "  " + padded(layer.name, name_width) + "  " + padded(layer.kind, kind_width) +
                       "  " + padded(layer.shape.str(), shape_width) + "  " + depth + "  " +
                       (layer.name == description.default_layer ? "yes (default)" : layer.explainable ? "yes" : "");
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << "\n";
  }
  return kExitOk;
}

// ---- methods ----

int run_methods(const Arguments& args) {
  if (!args.positional.empty()) throw UsageError("unexpected argument '" + args.positional.front() + "'");
  size_t width = 0;
  for (const explain::MethodInfo& info : explain::registered_methods()) width = std::max(width, info.name.size());
  for (const explain::MethodInfo& info : explain::registered_methods()) {
    std::string name(info.name);
    name.resize(width, ' ');
    const bool at_layer = info.make()->requirements().layer;
    std::cout << name << "  " << (at_layer ? "layer" : "pixel") << "  " << info.description << "\n";
  }
  return kExitOk;
}

// ---- explain ----

// A progress bar on stderr, drawn only when stderr is a terminal and --quiet is not given.
class ProgressBar {
 public:
  ProgressBar(bool enabled, int total) : enabled_(enabled), total_(total) {}
  // `done` units of `total` are finished (fractions allowed); `what` names the current one.
  void draw(double done, const std::string& what) {
    if (!enabled_) return;
    const int width = 30, filled = static_cast<int>(width * std::clamp(done / total_, 0.0, 1.0));
    std::string name = what.size() > 40 ? "..." + what.substr(what.size() - 37) : what;
    std::cerr << "\r\033[K[" << std::string(filled, '#') << std::string(width - filled, '.') << "] "
              << static_cast<int>(done) << "/" << total_ << "  " << name << std::flush;
    drawn_ = true;
  }
  // Erases the bar so that a line can be printed; the next draw() brings it back.
  void clear() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
  }

 private:
  bool enabled_;
  int total_;
  bool drawn_ = false;
};

struct ExplainSettings {
  std::vector<std::string> methods;
  std::string layer;  // resolved; empty: the model's default
  std::vector<explain::Target> targets;
  std::string targets_text;  // for the summary, e.g. "top 1", "class happy"
  CropRequest crop;
  explain::Colormap colormap = explain::Colormap::jet;
  float alpha = 0.4f;
  fs::path out;
  bool json = false, quiet = false;
};

// A layer by its full name, or by a part of it that only one explainable layer's name contains.
std::string resolve_layer(const Model& model, const std::string& argument) {
  const std::vector<std::string> layers = GraphPaths(model.graph.nodes()).spatial_layers_feeding(model.logits);
  if (model.graph.contains(argument)) {
    try {
      explain::check_layer(model, argument);
    } catch (const Error& e) {
      throw UsageError(std::string("--layer: ") + e.what());
    }
    return argument;
  }
  std::vector<std::string> matches;
  for (const std::string& layer : layers) {
    if (layer.find(argument) != std::string::npos) matches.push_back(layer);
  }
  if (matches.size() == 1) return matches.front();
  std::string listed;
  for (const std::string& name : matches.empty() ? layers : matches) listed += "\n  " + name;
  throw UsageError("--layer '" + argument + "' " +
                   (matches.empty() ? "names no explainable layer; they are:" : "matches several layers:") + listed +
                   "\n(see 'camlens layers')");
}

int class_index(const Model& model, const std::string& argument) {
  const std::vector<std::string>& labels = model.metadata.labels;
  for (size_t c = 0; c < labels.size(); ++c) {
    if (labels[c] == argument) return static_cast<int>(c);
  }
  const bool digits = std::all_of(argument.begin(), argument.end(), [](unsigned char ch) { return std::isdigit(ch); });
  if (!argument.empty() && digits) {
    const int index = parse_int(argument, "class", 0);
    if (index < static_cast<int>(labels.size())) return index;
  }
  std::string listed;
  for (size_t c = 0; c < labels.size(); ++c) listed += (c ? ", " : "") + std::to_string(c) + " " + labels[c];
  throw UsageError("--class '" + argument + "' is neither a class index nor a label; classes: " + listed);
}

ExplainSettings explain_settings(const Arguments& args, const Model& model) {
  ExplainSettings s;
  s.out = *args.get("out");
  s.methods = method_names(args.get("method").value_or("grad-cam"));
  if (args.has("layer")) s.layer = resolve_layer(model, *args.get("layer"));
  if (args.has("class") && args.has("top")) throw UsageError("give --class or --top, not both");
  const int classes = static_cast<int>(model.metadata.labels.size());
  if (args.has("class")) {
    const int c = class_index(model, *args.get("class"));
    s.targets = {explain::Target::of_class(c)};
    s.targets_text = "class " + model.metadata.labels[c];
  } else {
    const int top = args.has("top") ? parse_int(*args.get("top"), "top", 1) : 1;
    if (top > classes) {
      throw UsageError("--top " + std::to_string(top) + ": the model has " + std::to_string(classes) + " classes");
    }
    s.targets = explain::top_k_targets(top);
    s.targets_text = "top " + std::to_string(top);
  }
  s.crop = parse_crop_request(args);
  if (args.has("colormap")) {
    try {
      s.colormap = explain::colormap_named(*args.get("colormap"));
    } catch (const Error& e) {
      throw UsageError(std::string("--colormap: ") + e.what());
    }
  }
  if (args.has("alpha")) s.alpha = parse_fraction(*args.get("alpha"), "alpha");
  s.json = args.has("json");
  s.quiet = args.has("quiet");
  return s;
}

// Letters, digits and . _ - + stay; anything else (spaces, slashes) becomes '_'.
std::string file_name_part(std::string text) {
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' && c != '+') c = '_';
  }
  return text;
}

// Output names (folder / stem) unique within the run: a second "face" becomes "face-jpg", then "face-2".
class OutputNames {
 public:
  fs::path claim(const ImageInput& input) {
    const fs::path folder = input.output_folder;
    const std::string stem = file_name_part(input.path.stem().string());
    std::string extension = input.path.extension().string();
    if (!extension.empty()) extension.erase(0, 1);
    const fs::path with_extension = folder / (stem + "-" + file_name_part(extension));
    if (claimed(folder / stem)) return folder / stem;
    if (claimed(with_extension)) return with_extension;
    for (int n = 2;; ++n) {
      if (claimed(folder / (stem + "-" + std::to_string(n)))) return folder / (stem + "-" + std::to_string(n));
    }
  }

 private:
  bool claimed(const fs::path& name) { return taken_.insert(name.string()).second; }

  std::set<std::string> taken_;
};

struct ImageResult {
  int files_written = 0;
  int failed_methods = 0;
  std::string top_label;
  float top_probability = 0.0f;
};

void write_json_file(const json& document, const fs::path& path) {
  std::ofstream file(path);
  file << document.dump() << "\n";  // compact: raw maps hold thousands of numbers
  if (!file.flush()) throw Error("cannot write " + path.string());
}

// Explains the explainer's photo with every method and target; writes its PNGs (and JSON).
ImageResult explain_photo(const ImageInput& input, const Photo& photo, const fs::path& stem, const CropPlan& plan,
                          const PlannedCrop& crop, explain::Explainer& explainer, const ExplainSettings& s,
                          ProgressBar& bar, double units_done) {
  const std::vector<std::string>& labels = explainer.model().metadata.labels;
  const fs::path folder = s.out / stem.parent_path();
  fs::create_directories(folder);
  ImageResult result;
  const auto report_failure = [&](const std::string& what, const std::string& why) {
    bar.clear();
    std::cout.flush();
    std::cerr << "camlens explain: " << input.path.string() << ": " << what << " failed: " << why << "\n";
  };

  explain::ViewRequest request;
  request.targets = s.targets;
  request.layer = s.layer;
  for (const std::string& name : s.methods) request.methods.push_back({name, nullptr});
  request.pictures = false;  // drawn below at the crop's full size, over the whole photo too
  request.look.colormap = s.colormap;
  request.look.alpha = s.alpha;
  explain::ViewCallbacks callbacks;
  callbacks.progress = [&](const explain::Progress& p) {
    bar.draw(units_done + p.fraction, input.path.filename().string() + " " + std::string(p.stage));
    return true;
  };
  explain::ViewResult view;
  try {
    view = explainer.view(request, callbacks);
  } catch (const NonFiniteError& e) {  // the model, not a method, failed on this image
    throw InputError(input.path.string() + ": " + e.what());
  } catch (const Error& e) {
    std::string names;
    for (const std::string& name : s.methods) names += (names.empty() ? "" : ",") + name;
    report_failure(names, e.what());
    result.failed_methods = static_cast<int>(s.methods.size());
    return result;
  }
  for (const explain::MethodFailure& failure : view.failures) {
    report_failure(failure.method, failure.message);
    ++result.failed_methods;
  }

  const CropBox& box = view.crop;
  const Image& image = explainer.image();
  double render_ms = 0.0;
  json explanations = json::array();
  for (const explain::ViewMap& map : view.explanations) {
    const explain::Explanation& e = map.explanation;
    const auto start = std::chrono::steady_clock::now();
    const std::string base = stem.filename().string() + "." + file_name_part(e.method) + "." +
                             file_name_part(labels[e.target_class]);
    const explain::Map& heat = e.upsampled.front();  // the crop box's size
    const json files = {
        {"overlay", base + ".overlay.png"}, {"crop", base + ".crop.png"}, {"heatmap", base + ".heatmap.png"}};
    write_png_file(explain::overlay_image(image, heat, box, s.colormap, s.alpha),
                   (folder / files["overlay"].get<std::string>()).string());
    write_png_file(explain::overlay_image(crop_image(image, box), heat, s.colormap, s.alpha),
                   (folder / files["crop"].get<std::string>()).string());
    write_png_file(explain::heatmap_image(heat, s.colormap), (folder / files["heatmap"].get<std::string>()).string());
    result.files_written += 3;
    render_ms += ms_since(start);
    json entry = explain::view_map_json(map);
    entry["files"] = files;
    explanations.push_back(std::move(entry));
  }
  const explain::Prediction& prediction = *view.prediction;
  result.top_label = labels[prediction.ranking.front()];
  result.top_probability = prediction.probabilities[prediction.ranking.front()];
  if (s.json && !explanations.empty()) {
    json document = explain::view_json(view, labels);
    document["image"] = {{"name", input.path.string()}, {"width", image.width()}, {"height", image.height()}};
    document["explanations"] = explanations;
    document["timings_ms"]["decode"] = photo.decode_ms;
    document["timings_ms"]["render_and_write"] = render_ms;
    add_crop_plan(document, plan, crop);
    write_json_file(document, folder / (stem.filename().string() + ".json"));
    ++result.files_written;
  }
  return result;
}

int run_explain(const Arguments& args) {
  if (args.positional.empty()) throw UsageError("give at least one image or folder");
  if (!args.has("out")) throw UsageError("--out DIR is required: the folder the PNGs are written to");
  LoadedModel loaded = load_model_argument(args);
  const ExplainSettings s = explain_settings(args, loaded.model);
  explain::Explainer explainer(std::move(loaded.model));
  FaceCropper cropper = face_cropper();
  const std::vector<ImageInput> inputs = collect_images(args.positional);
  if (inputs.empty()) throw InputError("no images (.png .jpg .jpeg .bmp .gif) in the folder(s) given");

  ProgressBar bar(!s.quiet && isatty(STDERR_FILENO), static_cast<int>(inputs.size()));
  OutputNames names;
  std::vector<std::string> bad_inputs;
  int explained = 0, failed_methods = 0, files = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ImageInput& input = inputs[i];
    bar.draw(static_cast<double>(i), input.path.filename().string());
    try {
      Photo photo = load_photo(input.path);
      show_photo(explainer, input.path, photo);
      bar.clear();
      const CropPlan plan = plan_crops(cropper, s.crop, explainer, "explain", input.path);
      const fs::path stem = names.claim(input);
      bool any_explained = false;
      for (const PlannedCrop& crop : plan.crops) {
        use_crop(explainer, input.path, crop.box);
        // Every face of --face all gets its own files: NAME.faceK.*
        const fs::path crop_stem = s.crop.every_face && crop.face >= 0
                                       ? stem.parent_path() / (stem.filename().string() + ".face" + std::to_string(crop.face))
                                       : stem;
        const ImageResult result = explain_photo(input, photo, crop_stem, plan, crop, explainer, s, bar, static_cast<double>(i));
        files += result.files_written;
        failed_methods += result.failed_methods;
        if (result.failed_methods < static_cast<int>(s.methods.size() * s.targets.size())) any_explained = true;
        if (!s.quiet && !result.top_label.empty()) {
          bar.clear();
          std::cout << input.path.string() << (s.crop.every_face && crop.face >= 0 ? " face " + std::to_string(crop.face) : "") << ": "
                    << result.top_label << " " << trimmed(percent(result.top_probability)) << " -> " << (s.out / crop_stem).string() << ".*\n";
        }
      }
      if (any_explained) ++explained;
    } catch (const InputError& e) {
      bar.clear();
      std::cout.flush();
      std::cerr << "camlens explain: " << e.what() << "; skipped\n";
      bad_inputs.push_back(e.what());
    }
  }
  bar.clear();
  if (!s.quiet) {
    std::cout << "explained " << explained << " of " << inputs.size() << " image(s) with ";
    for (size_t m = 0; m < s.methods.size(); ++m) std::cout << (m ? "," : "") << s.methods[m];
    std::cout << " (" << s.targets_text << "): " << files << " file(s) in " << s.out.string() << "\n";
    if (!bad_inputs.empty()) {
      std::cout << bad_inputs.size() << " image(s) skipped:\n";
      for (const std::string& reason : bad_inputs) std::cout << "  " << reason << "\n";
    }
    if (failed_methods > 0) std::cout << failed_methods << " explanation(s) failed (see above)\n";
  }
  if (!bad_inputs.empty()) return kExitBadInput;
  return failed_methods > 0 ? kExitFailed : kExitOk;
}

// ---- visualize ----

// Each pixel as a scale x scale block: a 64x64 input stays readable on screen.
Image enlarged(const Image& image, int scale) {
  Image out(image.width() * scale, image.height() * scale, image.channels());
  for (int y = 0; y < out.height(); ++y) {
    for (int x = 0; x < out.width(); ++x) {
      std::copy_n(image.pixel(x / scale, y / scale), image.channels(), out.pixel(x, y));
    }
  }
  return out;
}

// "LAYER:C": a layer (full name or unique part, as --layer) and a channel index within it.
std::pair<std::string, int> parse_channel(const Model& model, const std::string& text);

int run_visualize(const Arguments& args) {
  if (!args.positional.empty()) throw UsageError("unexpected argument '" + args.positional.front() + "'");
  if (!args.has("out")) throw UsageError("--out FILE.png is required: where the image is written");
  if (args.has("class") == args.has("channel")) throw UsageError("give --class K or --channel LAYER:C (one of them)");
  LoadedModel loaded = load_model_argument(args);
  explain::ActivationMaximizationOptions options;
  std::string what;
  if (args.has("class")) {
    options.index = class_index(loaded.model, *args.get("class"));
    what = "class " + loaded.model.metadata.labels[options.index];
  } else {
    std::tie(options.layer, options.index) = parse_channel(loaded.model, *args.get("channel"));
    what = "channel " + std::to_string(options.index) + " of " + options.layer;
  }
  if (args.has("steps")) options.steps = parse_int(*args.get("steps"), "steps", 1);
  if (args.has("seed")) options.seed = static_cast<std::uint32_t>(parse_int(*args.get("seed"), "seed", 0));
  const std::string start = args.get("start").value_or("gray");
  if (start != "gray" && start != "noise") throw UsageError("--start must be gray or noise, got '" + start + "'");
  options.start = start == "gray" ? explain::ActivationMaximizationOptions::Start::gray
                                  : explain::ActivationMaximizationOptions::Start::noise;
  const int scale = args.has("scale") ? parse_int(*args.get("scale"), "scale", 1) : 1;
  ProgressBar bar(isatty(STDERR_FILENO), options.steps);
  int step = 0;
  options.progress = [&](const explain::Progress& p) {
    bar.draw(p.fraction * options.steps, "step " + std::to_string(++step));
    return true;
  };
  explain::Explainer explainer(std::move(loaded.model));
  const explain::ActivationMaximizationResult result = explainer.visualize(options);
  bar.clear();
  Image picture = to_rgb(result.image);
  if (scale > 1) picture = enlarged(picture, scale);
  const fs::path out = *args.get("out");
  if (out.has_parent_path()) fs::create_directories(out.parent_path());
  write_png_file(picture, out.string());
  std::printf("%s: objective %.4g -> %.4g after %d steps -> %s\n", what.c_str(), result.initial_objective,
              result.final_objective, options.steps, out.string().c_str());
  return kExitOk;
}

std::pair<std::string, int> parse_channel(const Model& model, const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw UsageError("--channel needs LAYER:C, e.g. conv2d_3:5, got '" + text + "'");
  }
  const std::string layer = resolve_layer(model, text.substr(0, colon));
  const int channel = parse_int(text.substr(colon + 1), "channel", 0);
  const int channels = GraphPaths(model.graph.nodes()).nodes()[GraphPaths(model.graph.nodes()).index_of(layer)].item_shape.c();
  if (channel >= channels) {
    throw UsageError("--channel: layer " + layer + " has " + std::to_string(channels) + " channels (0.." +
                     std::to_string(channels - 1) + "), got " + std::to_string(channel));
  }
  return {layer, channel};
}

// ---- commands ----

struct Command {
  std::string_view name;
  const char* help;
  std::vector<OptionSpec> options;
  int (*run)(const Arguments&);
};

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      {"predict",
       kPredictHelp,
       {{"model", true},
        {"metadata", true},
        {"labels", true},
        {"top", true},
        {"crop", true},
        {"face", true},
        {"json", false},
        {"exact-sums", false},
        {"threads", true}},
       run_predict},
      {"explain",
       kExplainHelp,
       {{"out", true},
        {"model", true},
        {"metadata", true},
        {"labels", true},
        {"method", true},
        {"layer", true},
        {"class", true},
        {"top", true},
        {"crop", true},
        {"face", true},
        {"colormap", true},
        {"alpha", true},
        {"json", false},
        {"quiet", false},
        {"exact-sums", false},
        {"threads", true}},
       run_explain},
      {"layers", kLayersHelp, {{"model", true}, {"json", false}}, run_layers},
      {"methods", kMethodsHelp, {}, run_methods},
      {"visualize",
       kVisualizeHelp,
       {{"out", true},
        {"model", true},
        {"class", true},
        {"channel", true},
        {"steps", true},
        {"start", true},
        {"seed", true},
        {"scale", true},
        {"threads", true}},
       run_visualize},
      {"train", kTrainHelp, train_option_specs(), run_train},
      {"data", kDataHelp, data_option_specs(), run_data},
      {"audit", kAuditHelp, audit_option_specs(), run_audit},
      {"evaluate", kEvaluateHelp, evaluate_option_specs(), run_evaluate},
  };
  return table;
}

int run(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    std::cerr << kMainHelp;
    return kExitUsage;
  }
  if (argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    std::cout << kMainHelp;
    return kExitOk;
  }
  const auto& table = commands();
  auto command = std::find_if(table.begin(), table.end(), [&](const Command& c) { return c.name == argv[0]; });
  if (command == table.end()) {
    std::cerr << "camlens: unknown command '" << argv[0] << "'\nRun 'camlens --help' for usage.\n";
    return kExitUsage;
  }
  const std::string prefix = "camlens " + std::string(command->name);
  try {
    std::vector<OptionSpec> options = command->options;
    options.push_back({"help", false});
    const Arguments args = parse_arguments({argv.begin() + 1, argv.end()}, options);
    if (args.has("help")) {
      std::cout << help_text(command->help);
      return kExitOk;
    }
    apply_threads_option(args);
    kernels::use_exact_sums(args.has("exact-sums"));
    return command->run(args);
  } catch (const UsageError& e) {
    std::cerr << prefix << ": " << e.what() << "\nRun '" << prefix << " --help' for usage.\n";
    return kExitUsage;
  } catch (const InputError& e) {
    std::cerr << prefix << ": " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << prefix << ": " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  kernels::pin_threads_to_cpus(true);  // the CLI owns its process, so its threads may have CPUs of their own
  return run(std::vector<std::string>(argv + 1, argv + argc));
}
