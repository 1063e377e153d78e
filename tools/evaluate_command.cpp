// camlens evaluate: is the map telling the truth? For every image and method, the map is scored by
// deletion, insertion, ROAD and confidence change (wasm/engine/evaluate/), next to two baselines
// that know nothing of the model (a random map, the image's Sobel edges). Prints a table per image
// (over several images, the mean with its 95% interval), writes the curves as PNG plots and, with
// --json, OUT/evaluation.json (docs/result.schema.json, kind "evaluation").
#include "evaluate_command.h"
#include "face_crops.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "evaluate/baselines.h"
#include "evaluate/evaluate.h"
#include "evaluate/insertion.h"
#include "evaluate/json.h"
#include "evaluate/plot.h"
#include "evaluate/sanity.h"
#include "evaluate/summary.h"
#include "explain/json.h"
#include "explain/pipeline.h"
#include "explain/predict.h"
#include "explain/registry.h"
#include "explain/variants.h"
#include "image/decode.h"
#include "image/encode.h"
#include "image/preprocess.h"
#include "image/text.h"
#include "io/model.h"
#include "io/model_input.h"

namespace camlens::cli {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

const char* const kEvaluateHelp = R"(Usage: camlens evaluate IMAGE|FOLDER... --out DIR [options]

Is the map telling the truth? Explains each image (a folder is searched for .png .jpg .jpeg .bmp
.gif files, subfolders too) with every method and scores each map, in the model's input after
preprocessing, next to two baselines that know nothing of the model (a random map, the Sobel
edges of the input):
  deletion    the most important pixels first set to 0, a row's worth per step: the class's
              probability should fall fast (area under the curve: lower is better)
  insertion   from the blurred input, the most important pixels first restored: it should rise
              fast (higher is better)
  road        ROAD: the pixels above (MoRF) or below (LeRF) each percentile 10..90 of the map
              imputed from their neighbours: the probability's change, MoRF should fall far
              (lower is better), LeRF little; combined = (LeRF - MoRF) / 2 (higher is better)
  confidence  the input multiplied by the map: the average drop of the probability (lower is
              better) and the share of images where it rose (higher is better)
  sanity      the model's layers randomised from the output down, all so far (cascading) or one
              at a time: the map made again and compared with the original by Spearman's rank
              correlation (of the raw map, and of its absolute values) and SSIM; a map that stays
              alike was never about the model (lower is better)
Deletion alone misleads: holes push an input off the images the model knows, which can favour a
random map; read it with insertion and ROAD.

Writes into DIR:
  NAME.deletion.png, NAME.insertion.png, NAME.road.png   the curves of every method and baseline
  NAME.sanity.png                                        Spearman's correlation down the cascade
  mean.*.png                                             over several images, the mean curves
  evaluation.json                                        with --json (docs/result.schema.json)

Options:
  --out DIR             where to write (created if missing); required
  --model DIR           the model folder (default: models/emotion)
  --metadata FILE       a metadata.json to use instead of the one beside the model
  --labels FILE         class labels, one per line in the model's order
  --method NAME[,NAME]  methods from 'camlens methods', or all (default grad-cam)
  --metric LIST         any of deletion,insertion,road,confidence,sanity (default: the first four)
  --class K             explain and score class K (an index or a label; default: the top class)
  --crop BOX            the box of each image the model sees: x,y,w,h in pixels, face (the square
                        around a face BlazeFace finds), center or full (default: the model's
                        metadata: face for models/emotion, as predict and explain take it)
  --face K              which face: K counts from 0, best score first (default 0)
  --step N              pixels per deletion/insertion step (default: the input's width)
  --deletion-value V    what a deleted pixel becomes, in the model's input values (default 0)
  --blur TAPS,SIGMA     insertion's starting blur, the RISE authors' kernel (default 11,5)
  --batch N             variants per forward pass (default: chosen from the model)
  --seed N              the random baseline's and ROAD's noise (default 0)
  --json                also write DIR/evaluation.json
  --quiet               print only the summary over several images, and errors
  --threads N           default %THREADS%

Exit codes: 0 done; 1 a method failed on some image; 2 bad command line; 3 an unreadable model or image.
)";

const std::vector<OptionSpec>& evaluate_option_specs() {
  static const std::vector<OptionSpec> specs{
      {"out", true},  {"model", true}, {"method", true}, {"metric", true}, {"class", true},   {"step", true},
      {"batch", true}, {"seed", true},  {"json", false},  {"quiet", false}, {"threads", true}, {"crop", true},
      {"deletion-value", true}, {"blur", true}, {"metadata", true}, {"labels", true}, {"face", true},
  };
  return specs;
}

namespace {

constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const std::vector<std::string> kBaselines{"random", "sobel"};

struct Settings {
  fs::path out;
  std::vector<std::string> methods;
  std::optional<int> class_index;
  CropRequest crop;
  evaluate::EvaluationOptions options;
  std::uint32_t seed = 0;
  bool sanity = false;  // the sanity checks, which need the method rather than its map
  bool json = false, quiet = false;
};

int class_of(const Model& model, const std::string& argument) {
  const std::vector<std::string>& labels = model.metadata.labels;
  for (size_t c = 0; c < labels.size(); ++c) {
    if (labels[c] == argument) return static_cast<int>(c);
  }
  if (!argument.empty() && std::all_of(argument.begin(), argument.end(), [](unsigned char ch) { return std::isdigit(ch); })) {
    const int index = parse_int(argument, "class", 0);
    if (index < static_cast<int>(labels.size())) return index;
  }
  std::string listed;
  for (size_t c = 0; c < labels.size(); ++c) listed += (c ? ", " : "") + std::to_string(c) + " " + labels[c];
  throw UsageError("--class '" + argument + "' is neither a class index nor a label; classes: " + listed);
}

// A finite number for --option.
double parse_number(const std::string& text, std::string_view option) {
  std::istringstream in(text);
  double value = 0.0;
  char extra = 0;
  if (!(in >> value) || in >> extra || !std::isfinite(value)) {
    throw UsageError("--" + std::string(option) + " needs a number, got '" + text.substr(0, 40) + "'");
  }
  return value;
}

Settings settings_from(const Arguments& args, const Model& model) {
  Settings s;
  s.out = *args.get("out");
  s.methods = method_names(args.get("method").value_or("grad-cam"));
  if (args.has("metric")) {
    try {
      std::string list;
      for (const std::string& name : split_commas(*args.get("metric"))) {
        if (name == "sanity") {
          if (s.sanity) throw Error("evaluate: the metric 'sanity' is named twice");
          s.sanity = true;
        } else {
          list += (list.empty() ? "" : ",") + name;
        }
      }
      s.options.metrics = list.empty() ? std::vector<evaluate::Metric>{} : evaluate::parse_metrics(list);
    } catch (const Error& e) {
      throw UsageError(std::string("--metric: ") + e.what());
    }
  }
  if (args.has("class")) s.class_index = class_of(model, *args.get("class"));
  s.crop = parse_crop_request(args);
  if (s.crop.every_face) throw UsageError("--face all: evaluate takes one box per image; pick a face with --face K");
  if (args.has("step")) s.options.curve.step = parse_int(*args.get("step"), "step", 1);
  if (args.has("deletion-value")) s.options.curve.deletion_value = parse_number(*args.get("deletion-value"), "deletion-value");
  if (args.has("blur")) {
    const std::vector<std::string> parts = split_commas(*args.get("blur"));
    if (parts.size() != 2) throw UsageError("--blur needs TAPS,SIGMA (e.g. 11,5), got '" + args.get("blur")->substr(0, 40) + "'");
    s.options.curve.blur_taps = parse_int(parts[0], "blur", 1);
    s.options.curve.blur_sigma = parse_number(parts[1], "blur");
    try {
      evaluate::rise_kernel(s.options.curve.blur_taps, s.options.curve.blur_sigma);
    } catch (const Error& e) {
      throw UsageError(std::string("--blur: ") + e.what());
    }
  }
  if (args.has("batch")) s.options.batch_size = parse_int(*args.get("batch"), "batch", 1);
  if (args.has("seed")) s.seed = static_cast<std::uint32_t>(parse_int(*args.get("seed"), "seed", 0));
  s.options.road.seed = s.seed;
  s.json = args.has("json");
  s.quiet = args.has("quiet");
  return s;
}

bool is_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif";
}

// Files as given; folders searched recursively, sorted.
std::vector<fs::path> collect_images(const std::vector<std::string>& arguments) {
  std::vector<fs::path> files;
  for (const std::string& argument : arguments) {
    if (!fs::is_directory(argument)) {
      files.emplace_back(argument);
      continue;
    }
    std::vector<fs::path> found;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(argument)) {
      if (entry.is_regular_file() && is_image_file(entry.path())) found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// A file name stem unique in this run: a second "face" becomes "face-2"; "mean" is kept for the means.
std::string claim_stem(std::set<std::string>& taken, const fs::path& file) {
  std::string stem = file.stem().string();
  for (char& c : stem) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  if (taken.insert(stem).second) return stem;
  for (int n = 2;; ++n) {
    const std::string numbered = stem + "-" + std::to_string(n);
    if (taken.insert(numbered).second) return numbered;
  }
}

Font load_font() {
  std::ifstream file(kFontPath, std::ios::binary);
  if (!file) throw InputError(std::string("the plots need the font ") + kFontPath + ": install Debian's fonts-dejavu-core");
  return Font(std::vector<std::uint8_t>(std::istreambuf_iterator<char>(file), {}));
}

// One map scored: a method's or a baseline's.
struct Scored {
  std::string method;
  bool baseline = false;
  evaluate::MapEvaluation evaluation;
  std::vector<evaluate::SanityStep> cascading, independent;  // with --metric sanity
};

// The map metrics asked for, and the sanity checks when asked.
Scored score(Model& model, const Tensor& input, const std::string& name, bool baseline, const explain::Map& map,
             const evaluate::MapMaker& make_map, int target_class, const Settings& s) {
  Scored scored{name, baseline, {}, {}, {}};
  if (!s.options.metrics.empty()) scored.evaluation = evaluate::evaluate_map(model, input, map, target_class, s.options);
  if (s.sanity) {
    const auto check = [&](evaluate::Randomisation mode) {
      return evaluate::sanity_check(model, make_map, {.mode = mode, .seed = s.seed, .progress = {}});
    };
    scored.cascading = check(evaluate::Randomisation::cascading);
    scored.independent = check(evaluate::Randomisation::independent);
  }
  return scored;
}

// A maker for a map that ignores the model.
evaluate::MapMaker fixed_map(const explain::Map& map) {
  return [map](Model&) { return evaluate::SanityMap{map, map}; };
}

struct ImageEvaluation {
  fs::path file;
  std::string stem;
  int width = 0, height = 0;
  CropBox crop;
  std::string crop_source;             // as the result schema says: given, face, center, full or box
  int face = -1;                       // the face's index when the crop is a detected face's
  std::vector<std::string> warnings;   // e.g. no face found for a face model
  int target_class = 0;
  float probability = 0.0f;
  std::vector<Scored> maps;
  std::vector<std::pair<std::string, std::string>> failures;  // method, message
};

ImageEvaluation evaluate_image(Model& model, const fs::path& file, const Settings& s, int image_index, FaceCropper& cropper) {
  ImageEvaluation result;
  result.file = file;
  Image image;
  try {
    if (!fs::exists(file)) throw Error("no such file");
    image = decode_image_file(file.string(), {.channels = 3});
  } catch (const Error& e) {
    const std::string message = e.what();
    throw InputError(message.find(file.string()) == std::string::npos ? file.string() + ": " + message : message);
  }
  result.width = image.width();
  result.height = image.height();
  // The box predict and explain would take: a face model's detected face, as they find it.
  try {
    const CropPlan plan = cropper.plan(s.crop, model.metadata, image);
    result.crop = plan.crops.front().box;
    result.crop_source = plan.crops.front().source;
    result.face = plan.crops.front().face;
    result.warnings = plan.warnings;
    check_crop_box(image, result.crop, "--crop");
  } catch (const Error& e) {
    throw InputError(file.string() + ": " + e.what());
  }
  const Tensor input = preprocess_image(image, preprocess_spec(model.metadata, result.crop));
  explain::Prediction prediction;
  try {
    prediction = explain::predict(model, input);
  } catch (const NonFiniteError& e) {
    throw InputError(file.string() + ": " + e.what());
  }
  result.target_class = s.class_index ? *s.class_index : prediction.ranking.front();
  result.probability = prediction.probabilities[result.target_class];

  for (const std::string& name : s.methods) {
    try {
      const std::unique_ptr<explain::Method> method = explain::make_method(name);
      // The map at the input's size, post-processed as every explanation is (explain/pipeline.h).
      const explain::Explanation e =
          explain::explain_target(model, input, *method, explain::Target::of_class(result.target_class));
      result.maps.push_back(score(model, input, name, false, e.upsampled.front(),
                                  evaluate::method_map_maker(*method, input, result.target_class), result.target_class, s));
    } catch (const Error& e) {
      result.failures.emplace_back(name, e.what());
    }
  }
  const int height = input.shape().h(), width = input.shape().w();
  const explain::Map random = evaluate::random_map(height, width, static_cast<std::uint64_t>(s.seed) * 1000003u + image_index);
  const explain::Map edges = evaluate::sobel_map(input);
  result.maps.push_back(score(model, input, "random", true, random, fixed_map(random), result.target_class, s));
  result.maps.push_back(score(model, input, "sobel", true, edges, fixed_map(edges), result.target_class, s));
  return result;
}

// ---- the tables ----

bool asked(const Settings& s, evaluate::Metric metric) {
  return std::find(s.options.metrics.begin(), s.options.metrics.end(), metric) != s.options.metrics.end();
}

struct Column {
  std::string heading;
  std::string (*cell)(const evaluate::MethodSummary&, bool over_images);
};

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

std::string estimate_text(const evaluate::Estimate& e, bool over_images, double scale = 1.0) {
  if (e.count == 0) return "-";
  if (!over_images) return number(e.mean * scale);
  char text[64];
  std::snprintf(text, sizeof text, "%.3f [%.3f, %.3f]", e.mean * scale, e.low * scale, e.high * scale);
  return text;
}

std::vector<Column> columns_for(const Settings& s) {
  std::vector<Column> columns;
  if (asked(s, evaluate::Metric::deletion)) {
    columns.push_back({"deletion AUC (lower)", [](const evaluate::MethodSummary& m, bool over) { return estimate_text(m.deletion_auc, over); }});
  }
  if (asked(s, evaluate::Metric::insertion)) {
    columns.push_back({"insertion AUC (higher)", [](const evaluate::MethodSummary& m, bool over) { return estimate_text(m.insertion_auc, over); }});
  }
  if (asked(s, evaluate::Metric::road)) {
    columns.push_back({"ROAD MoRF (lower)", [](const evaluate::MethodSummary& m, bool over) { return estimate_text(m.road_morf, over); }});
    columns.push_back({"ROAD LeRF (higher)", [](const evaluate::MethodSummary& m, bool over) { return estimate_text(m.road_lerf, over); }});
    columns.push_back({"ROAD combined (higher)", [](const evaluate::MethodSummary& m, bool over) { return estimate_text(m.road_combined, over); }});
  }
  if (asked(s, evaluate::Metric::confidence)) {
    columns.push_back({"drop % (lower)", [](const evaluate::MethodSummary& m, bool over) { return estimate_text(m.average_drop, over, 100.0); }});
    columns.push_back({"increase % (higher)", [](const evaluate::MethodSummary& m, bool over) { return estimate_text(m.increase, over, 100.0); }});
  }
  return columns;
}

void print_table(const std::vector<evaluate::MethodSummary>& rows, const std::vector<bool>& baseline, const Settings& s,
                 bool over_images) {
  const std::vector<Column> columns = columns_for(s);
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths{6};
  for (const Column& c : columns) widths.push_back(c.heading.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> line{rows[r].method + (baseline[r] ? " (baseline)" : "")};
    for (const Column& c : columns) line.push_back(c.cell(rows[r], over_images));
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
    cells.push_back(std::move(line));
  }
  auto print_row = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      std::string cell = line[i];
      cell.resize(widths[i], ' ');
      text += "  " + cell;
    }
    text.erase(text.find_last_not_of(' ') + 1);
    std::cout << text << "\n";
  };
  std::vector<std::string> headings{"method"};
  for (const Column& c : columns) headings.push_back(c.heading);
  print_row(headings);
  for (const std::vector<std::string>& line : cells) print_row(line);
}

// The rows of a table: each method, then each baseline, over `images`.
void summarise_rows(const std::vector<ImageEvaluation>& images, std::vector<evaluate::MethodSummary>& rows,
                    std::vector<bool>& baseline, const Settings& s) {
  std::vector<std::string> names = s.methods;
  names.insert(names.end(), kBaselines.begin(), kBaselines.end());
  for (size_t n = 0; n < names.size(); ++n) {
    std::vector<evaluate::MapEvaluation> evaluations;
    for (const ImageEvaluation& image : images) {
      for (const Scored& scored : image.maps) {
        if (scored.method == names[n]) evaluations.push_back(scored.evaluation);
      }
    }
    if (evaluations.empty()) continue;
    rows.push_back(evaluate::summarise(names[n], evaluations));
    baseline.push_back(n >= s.methods.size());
  }
}

// The sanity checks of one method over the images: after the cascade has randomised every layer,
// and on average over the layers randomised one at a time. NaN (a constant map) is left out.
struct SanitySummary {
  evaluate::Estimate cascade_spearman, cascade_spearman_abs, cascade_ssim, independent_spearman, independent_ssim;
};

evaluate::Estimate finite_mean_interval(const std::vector<double>& values) {
  std::vector<double> finite;
  for (double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  return evaluate::mean_interval(finite);
}

SanitySummary summarise_sanity(const std::vector<ImageEvaluation>& images, const std::string& method) {
  std::vector<double> spearman, spearman_abs, ssim, one_spearman, one_ssim;
  for (const ImageEvaluation& image : images) {
    for (const Scored& scored : image.maps) {
      if (scored.method != method || scored.cascading.empty()) continue;
      spearman.push_back(scored.cascading.back().spearman);
      spearman_abs.push_back(scored.cascading.back().spearman_abs);
      ssim.push_back(scored.cascading.back().ssim);
      double a = 0.0, b = 0.0;
      for (const evaluate::SanityStep& step : scored.independent) a += step.spearman, b += step.ssim;
      one_spearman.push_back(a / scored.independent.size());
      one_ssim.push_back(b / scored.independent.size());
    }
  }
  return {finite_mean_interval(spearman), finite_mean_interval(spearman_abs), finite_mean_interval(ssim),
          finite_mean_interval(one_spearman), finite_mean_interval(one_ssim)};
}

void print_sanity_table(const std::vector<ImageEvaluation>& images, const Settings& s, bool over_images) {
  std::vector<std::string> names = s.methods;
  names.insert(names.end(), kBaselines.begin(), kBaselines.end());
  const std::vector<std::string> headings{"sanity (lower)", "all randomised: Spearman", "|Spearman|", "SSIM",
                                          "one layer: Spearman (mean)", "SSIM (mean)"};
  std::vector<std::vector<std::string>> rows{headings};
  for (const std::string& name : names) {
    const SanitySummary m = summarise_sanity(images, name);
    if (m.cascade_spearman.count == 0 && m.cascade_ssim.count == 0) continue;
    const bool baseline = std::find(kBaselines.begin(), kBaselines.end(), name) != kBaselines.end();
    rows.push_back({name + (baseline ? " (baseline)" : ""), estimate_text(m.cascade_spearman, over_images),
                    estimate_text(m.cascade_spearman_abs, over_images), estimate_text(m.cascade_ssim, over_images),
                    estimate_text(m.independent_spearman, over_images), estimate_text(m.independent_ssim, over_images)});
  }
  std::vector<size_t> widths(headings.size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  for (const auto& row : rows) {
    std::string text;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      cell.resize(widths[i], ' ');
      text += "  " + cell;
    }
    text.erase(text.find_last_not_of(' ') + 1);
    std::cout << text << "\n";
  }
}

// ---- the plots ----

struct CurveOf {
  std::string method;
  bool baseline;
  std::vector<double> x, y;
};

// Methods in colours, the baselines in grays; in ROAD's plot MoRF solid and LeRF dashed, elsewhere
// the baselines dashed.
void write_plot(const fs::path& path, const std::vector<CurveOf>& curves, evaluate::PlotAxes axes, bool road,
                const Font& font) {
  std::vector<evaluate::PlotSeries> series;
  int method_index = 0;
  for (size_t i = 0; i < curves.size(); ++i) {
    const CurveOf& c = curves[i];
    const bool lerf = road && i % 2 == 1;
    const TextColor color = c.baseline ? (c.method.rfind("random", 0) == 0 ? TextColor{150, 150, 150} : TextColor{20, 20, 20})
                                       : evaluate::series_color(lerf ? method_index - 1 : method_index++);
    series.push_back({c.method, c.x, c.y, color, road ? lerf : c.baseline});
  }
  write_png_file(evaluate::plot_curves(series, axes, font), path.string());
}

std::vector<double> fractions(const std::vector<int>& changed) {
  std::vector<double> x;
  for (int c : changed) x.push_back(static_cast<double>(c) / changed.back());
  return x;
}

// Deletion, insertion and ROAD plots of `images` (one image, or the mean curves of several) as PREFIX.*.png.
int write_plots(const fs::path& out, const std::string& prefix, const std::vector<const ImageEvaluation*>& images,
                const std::string& title, const Settings& s, const Model& model, const Font& font) {
  int written = 0;
  const ImageEvaluation& first = *images.front();
  const std::string label =
      images.size() == 1 ? "class " + model.metadata.labels.at(first.target_class) : "each image's explained class";
  for (const evaluate::Metric metric : {evaluate::Metric::deletion, evaluate::Metric::insertion, evaluate::Metric::road}) {
    if (!asked(s, metric)) continue;
    std::vector<CurveOf> curves;
    double lowest = 0.0, highest = 0.0;
    for (const Scored& scored : first.maps) {
      std::vector<std::vector<double>> ys, road_lerf;
      std::vector<double> x;
      for (const ImageEvaluation* image : images) {
        for (const Scored& other : image->maps) {
          if (other.method != scored.method) continue;
          const evaluate::MapEvaluation& e = other.evaluation;
          if (metric == evaluate::Metric::road) {
            ys.push_back(e.road->morf);
            road_lerf.push_back(e.road->lerf);
            x.assign(e.road->percentiles.begin(), e.road->percentiles.end());
          } else {
            const evaluate::PixelCurve& curve = metric == evaluate::Metric::deletion ? *e.deletion : *e.insertion;
            ys.push_back(curve.scores);
            x = fractions(curve.changed);
          }
        }
      }
      if (metric == evaluate::Metric::road) {
        curves.push_back({scored.method + " MoRF", scored.baseline, x, evaluate::mean_curve(ys)});
        curves.push_back({scored.method + " LeRF", scored.baseline, x, evaluate::mean_curve(road_lerf)});
        for (const CurveOf* c : {&curves[curves.size() - 2], &curves.back()}) {
          for (double v : c->y) lowest = std::min(lowest, v), highest = std::max(highest, v);
        }
      } else {
        curves.push_back({scored.method, scored.baseline, x, evaluate::mean_curve(ys)});
      }
    }
    evaluate::PlotAxes axes;
    const std::string name(evaluate::metric_name(metric));
    axes.title = title + ": " + name + " of " + label;
    if (metric == evaluate::Metric::road) {
      axes.x_label = "percentile of the map (pixels beyond it imputed)";
      axes.y_label = "probability change";
      axes.x_min = 0;
      axes.x_max = 100;
      axes.y_min = std::min(-0.25, std::floor(lowest * 4) / 4);  // quarters: round ticks
      axes.y_max = std::max(0.25, std::ceil(highest * 4) / 4);
    } else {
      axes.x_label = metric == evaluate::Metric::deletion ? "share of pixels deleted" : "share of pixels restored";
      axes.y_label = "probability";
    }
    write_plot(out / (prefix + "." + name + ".png"), curves, axes, metric == evaluate::Metric::road, font);
    ++written;
  }
  if (s.sanity) {
    // Spearman's correlation with the original map as the cascade randomises layer after layer.
    std::vector<CurveOf> curves;
    size_t layers = 0;
    for (const Scored& scored : first.maps) {
      std::vector<std::vector<double>> ys;
      for (const ImageEvaluation* image : images) {
        for (const Scored& other : image->maps) {
          if (other.method != scored.method) continue;
          std::vector<double> y{1.0};
          for (const evaluate::SanityStep& step : other.cascading) y.push_back(std::isfinite(step.spearman) ? step.spearman : 0.0);
          ys.push_back(std::move(y));
        }
      }
      const std::vector<double> y = evaluate::mean_curve(ys);
      layers = y.size() - 1;
      std::vector<double> x(y.size());
      for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
      curves.push_back({scored.method, scored.baseline, x, y});
    }
    evaluate::PlotAxes axes;
    axes.title = title + ": sanity, " + label;
    axes.x_label = "layers randomised, from the output down";
    axes.y_label = "Spearman with the original map";
    axes.x_max = static_cast<double>((std::max<size_t>(layers, 1) + 3) / 4 * 4);  // whole ticks
    axes.y_min = -1.0;
    write_plot(out / (prefix + ".sanity.png"), curves, axes, false, font);
    ++written;
  }
  return written;
}

// ---- JSON ----

json image_json(const ImageEvaluation& image, const Model& model) {
  json maps = json::array();
  for (const Scored& scored : image.maps) {
    json entry = {{"method", scored.method}, {"baseline", scored.baseline}};
    entry.update(evaluate::map_evaluation_json(scored.evaluation));
    if (!scored.cascading.empty()) {
      entry["sanity"] = {{"cascading", evaluate::sanity_json(scored.cascading)},
                         {"independent", evaluate::sanity_json(scored.independent)}};
    }
    maps.push_back(std::move(entry));
  }
  json failures = json::array();
  for (const auto& [method, message] : image.failures) failures.push_back({{"method", method}, {"message", message}});
  json out = {{"image", {{"name", image.file.string()}, {"width", image.width}, {"height", image.height}}},
              {"crop", explain::box_json(image.crop)},
              {"crop_source", image.crop_source},
              {"class", image.target_class},
              {"label", model.metadata.labels.at(image.target_class)},
              {"probability", image.probability},
              {"maps", std::move(maps)},
              {"failures", std::move(failures)}};
  if (image.face >= 0) out["face"] = image.face;
  if (!image.warnings.empty()) out["warnings"] = image.warnings;
  return out;
}

void write_json(const fs::path& path, const json& document) {
  const fs::path partial = path.string() + ".partial";
  {
    std::ofstream file(partial);
    file << document.dump() << "\n";
    if (!file.flush()) throw Error("cannot write " + partial.string() + ": is the disk full or the folder read-only?");
  }
  fs::rename(partial, path);
}

}  // namespace

int run_evaluate(const Arguments& args) {
  if (args.positional.empty()) throw UsageError("give at least one image or folder to evaluate on");
  if (!args.has("out")) throw UsageError("--out DIR is required: the folder the plots (and evaluation.json) go to");
  fs::path model_path = args.get("model").value_or("models/emotion");
  if (fs::is_directory(model_path)) model_path /= "model.json";
  Model model;
  try {
    model = load_model_file(model_path, model_sidecars(args));
  } catch (const Error& e) {
    throw InputError("--model " + model_path.string() + ": " + e.what());
  }
  const Settings s = settings_from(args, model);
  const Font font = load_font();
  const std::vector<fs::path> files = collect_images(args.positional);
  if (files.empty()) throw InputError("no images (.png .jpg .jpeg .bmp .gif) in the folder(s) given");
  fs::create_directories(s.out);
  FaceCropper cropper = face_cropper();

  std::set<std::string> stems{"mean", "evaluation"};
  std::vector<ImageEvaluation> images;
  std::vector<std::pair<std::string, std::string>> skipped;
  int failed = 0, plots = 0;
  const bool interactive = isatty(STDERR_FILENO) && !s.quiet;
  for (size_t i = 0; i < files.size(); ++i) {
    if (interactive) std::fprintf(stderr, "\r\033[Kevaluating %zu/%zu %s", i + 1, files.size(), files[i].filename().c_str());
    try {
      ImageEvaluation image = evaluate_image(model, files[i], s, static_cast<int>(i), cropper);
      image.stem = claim_stem(stems, files[i]);
      if (interactive) std::fprintf(stderr, "\r\033[K");
      for (const std::string& warning : image.warnings) std::cerr << "camlens evaluate: " << files[i].string() << ": " << warning << "\n";
      for (const auto& [method, message] : image.failures) {
        std::cerr << "camlens evaluate: " << files[i].string() << ": " << method << " failed: " << message << "\n";
      }
      failed += static_cast<int>(image.failures.size());
      plots += write_plots(s.out, image.stem, {&image}, image.stem, s, model, font);
      if (!s.quiet) {
        std::cout << files[i].string() << ": class " << model.metadata.labels.at(image.target_class) << " ("
                  << number(image.probability) << ")\n";
        std::vector<evaluate::MethodSummary> rows;
        std::vector<bool> baseline;
        summarise_rows({image}, rows, baseline, s);
        if (!s.options.metrics.empty()) print_table(rows, baseline, s, false);
        if (s.sanity) print_sanity_table({image}, s, false);
      }
      images.push_back(std::move(image));
    } catch (const InputError& e) {
      if (interactive) std::fprintf(stderr, "\r\033[K");
      std::cerr << "camlens evaluate: " << e.what() << "; skipped\n";
      skipped.emplace_back(files[i].string(), e.what());
    }
  }
  if (images.empty()) throw InputError("no image could be evaluated");

  std::vector<evaluate::MethodSummary> rows;
  std::vector<bool> baseline;
  summarise_rows(images, rows, baseline, s);
  if (images.size() > 1) {
    std::cout << "over " << images.size() << " images: mean [95% interval]\n";
    if (!s.options.metrics.empty()) print_table(rows, baseline, s, true);
    if (s.sanity) print_sanity_table(images, s, true);
    std::vector<const ImageEvaluation*> all;
    for (const ImageEvaluation& image : images) all.push_back(&image);
    plots += write_plots(s.out, "mean", all, "mean of " + std::to_string(images.size()) + " images", s, model, font);
  }
  if (!s.options.metrics.empty()) {
    std::cout << "lower is better: deletion, ROAD MoRF, drop; higher: insertion, ROAD LeRF and combined, increase. "
                 "Deletion alone misleads (holes push the input off the data); read it with insertion and ROAD.\n";
  }
  if (s.json) {
    json document = explain::result_header("evaluation");
    document["model"] = model_path.string();
    document["metrics"] = json::array();
    for (evaluate::Metric m : s.options.metrics) document["metrics"].push_back(std::string(evaluate::metric_name(m)));
    if (s.sanity) document["metrics"].push_back("sanity");
    document["methods"] = s.methods;
    document["baselines"] = kBaselines;
    const int input_width = model.graph.nodes().front().item_shape[1];
    document["settings"] = {{"step", s.options.curve.step > 0 ? s.options.curve.step : input_width},
                            {"deletion_value", s.options.curve.deletion_value},
                            {"blur", {{"taps", s.options.curve.blur_taps}, {"sigma", s.options.curve.blur_sigma}}},
                            {"batch_size", explain::variant_batch_size(model, s.options.batch_size)},
                            {"seed", s.seed},
                            {"road", {{"percentiles", s.options.road.percentiles}, {"noise", s.options.road.noise}}}};
    document["images"] = json::array();
    for (const ImageEvaluation& image : images) document["images"].push_back(image_json(image, model));
    document["summary"] = json::array();
    for (size_t r = 0; r < rows.size(); ++r) {
      json row = evaluate::summary_json(rows[r], baseline[r]);
      if (s.sanity) {
        const SanitySummary m = summarise_sanity(images, rows[r].method);
        row["images"] = std::max(row["images"].get<int>(), m.cascade_ssim.count);
        const std::vector<std::pair<const char*, evaluate::Estimate>> estimates{
            {"cascade_spearman", m.cascade_spearman}, {"cascade_spearman_abs", m.cascade_spearman_abs},
            {"cascade_ssim", m.cascade_ssim},         {"independent_spearman", m.independent_spearman},
            {"independent_ssim", m.independent_ssim}};
        for (const auto& [key, e] : estimates) {
          if (e.count > 0) row[key] = {{"mean", e.mean}, {"low", e.low}, {"high", e.high}};
        }
      }
      document["summary"].push_back(std::move(row));
    }
    document["skipped"] = json::array();
    for (const auto& [file, reason] : skipped) document["skipped"].push_back({{"file", file}, {"reason", reason}});
    write_json(s.out / "evaluation.json", document);
  }
  std::cout << "evaluated " << images.size() << " of " << files.size() << " image(s): " << plots << " plot(s)"
            << (s.json ? " and evaluation.json" : "") << " in " << s.out.string() << "\n";
  if (!skipped.empty()) return 3;
  return failed > 0 ? 1 : 0;
}

}  // namespace camlens::cli
