// Explanation benchmark: every registered method (explain/registry.h) on a model and a photo, by
// default the shipped emotion model and the astronaut's face. The same source builds natively
// (build/native/camlens_bench_explain) and as WebAssembly for Node
// (node build/wasm/camlens_bench_explain.js), so the two builds time the same work.
//
// Each method is timed as `camlens explain` runs it: one explain_target call (forward, the backward
// pass it needs, its map, post-processing to the crop's size), top-1 class, the model's default layer.
// Prints a markdown table; --json FILE also writes the timings, the input and logits, and the raw
// maps of the CAM family and saliency (bench/torch_compare.py checks PyTorch against them).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "explain/explainer.h"
#include "explain/pipeline.h"
#include "explain/predict.h"
#include "explain/registry.h"
#include "explain/variants.h"
#include "image/decode.h"
#include "io/model.h"
#include "io/model_input.h"
#include "kernels/backend.h"
#include "timing.h"

using namespace camlens;
using nlohmann::json;

namespace {

// The four methods the page shows first; their total has a speed target of 10 ms natively.
constexpr std::string_view kHeadlineMethods[] = {"cam", "grad-cam", "grad-cam++", "saliency"};
constexpr double kHeadlineTargetMs = 10.0;

constexpr const char* kUsage =
    "usage: camlens_bench_explain [--model model.json] [--image PATH] [--methods a,b,...]\n"
    "                             [--min-runs N] [--min-seconds S] [--max-seconds S] [--json FILE]\n"
    "                             [--threads N] [--batch N]\n"
    "  defaults: models/emotion/model.json, tests/fixtures/images/astronaut_face.png, every method,\n"
    "            at least 10 timed runs and 0.5 s per method after one warm-up run; a slow method\n"
    "            stops after 3 runs once it has taken 5 s; 1 thread (the WebAssembly build has only 1);\n"
    "            batch 0: the variants per extra pass chosen from the model, as `camlens explain` does\n";

struct Arguments {
  std::string model = "models/emotion/model.json";
  std::string image = "tests/fixtures/images/astronaut_face.png";
  std::vector<std::string> methods;  // empty: every registered method
  int min_runs = 10;
  double min_seconds = 0.5;
  double max_seconds = 5.0;
  std::string json_path;
  int threads = 1;
  int batch = 0;
};

std::vector<std::string> split_commas(std::string_view list) {
  std::vector<std::string> parts;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    parts.emplace_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return parts;
}

Arguments parse(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) fail(flag, " needs a value (or is unknown)\n", kUsage);
    const std::string value = argv[++i];
    if (flag == "--model") args.model = value;
    else if (flag == "--image") args.image = value;
    else if (flag == "--methods") args.methods = split_commas(value);
    else if (flag == "--min-runs") args.min_runs = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--min-seconds") args.min_seconds = std::atof(value.c_str());
    else if (flag == "--max-seconds") args.max_seconds = std::atof(value.c_str());
    else if (flag == "--json") args.json_path = value;
    else if (flag == "--threads") args.threads = std::atoi(value.c_str());
    else if (flag == "--batch") args.batch = std::max(0, std::atoi(value.c_str()));
    else fail("unknown option '", flag, "'\n", kUsage);
  }
  if (args.methods.empty()) {
    for (const explain::MethodInfo& info : explain::registered_methods()) args.methods.emplace_back(info.name);
  }
  return args;
}

json timing_json(const bench::Timing& t) {
  return {{"median_ms", t.median_ms}, {"p10_ms", t.low_ms}, {"p90_ms", t.high_ms}, {"runs", t.runs},
          {"cpu_median_ms", t.cpu_median_ms}};
}

std::string format(const bench::Timing& t) {
  char text[96];
  std::snprintf(text, sizeof text, "%.3f [%.3f-%.3f]", t.median_ms, t.low_ms, t.high_ms);
  return text;
}

// The forward pass's work in MFLOP, 2 per multiply-add: each layer with a kernel does one
// multiply-add per kernel element per output pixel. Elementwise layers (add, ReLU, pools) are left
// out, so GFLOP/s figures built on it slightly under-count.
double forward_mflop(Model& model) {
  double flops = 0.0;
  for (const NodeInfo& node : model.graph.nodes()) {
    if (node.name == model.input()) continue;
    const double pixels = node.spatial() ? static_cast<double>(node.item_shape[0]) * node.item_shape[1] : 1.0;
    for (const Parameter& parameter : model.graph.layer(node.name).parameters()) {
      if (parameter.value->shape().rank() >= 2) flops += 2.0 * pixels * static_cast<double>(parameter.value->size());
    }
  }
  return flops * 1e-6;
}

struct MethodResult {
  std::string name;
  bench::Timing total;
  explain::Timings stages;  // the median of each stage over the timed runs
  explain::Explanation last;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Each stage's median over the last `timed` of `runs` (the ones before were the warm-up).
explain::Timings median_stages(const std::vector<explain::Timings>& runs, int timed) {
  std::vector<double> forward, backward, map, postprocess;
  for (size_t i = runs.size() - timed; i < runs.size(); ++i) {
    forward.push_back(runs[i].forward_ms);
    backward.push_back(runs[i].backward_ms);
    map.push_back(runs[i].map_ms);
    postprocess.push_back(runs[i].postprocess_ms);
  }
  return {median(forward), median(backward), median(map), median(postprocess)};
}

bool is_headline(std::string_view name) {
  for (std::string_view headline : kHeadlineMethods) {
    if (name == headline) return true;
  }
  return false;
}

json shape_json(const Shape& shape) {
  json dims = json::array();
  for (int axis = 0; axis < shape.rank(); ++axis) dims.push_back(shape[axis]);
  return dims;
}

}  // namespace

int main(int argc, char** argv) try {
  const Arguments args = parse(argc, argv);
  kernels::pin_threads_to_cpus(true);  // as the CLI and the trainer run
  kernels::set_thread_count(args.threads);
  Model model = load_model_file(args.model);
  const Image photo = decode_image_file(args.image, {.channels = 3});
  const CropBox box = default_crop_box(model.metadata.crop, photo.width(), photo.height());
  const Tensor input = preprocess_image(photo, preprocess_spec(model.metadata, box));
  explain::ExplainOptions options;
  options.sizes = {{box.height, box.width}};  // as `camlens explain` does: a map over the crop
  options.batch_size = args.batch;
  std::printf("variants per extra pass: %d (the largest layer reads and writes %.0f KiB per variant)\n",
              explain::variant_batch_size(model, args.batch), explain::variant_working_set_bytes(model) / 1024);

  const explain::Prediction prediction = explain::predict(model, input);
  const bench::Timing forward =
      bench::measure([&] { explain::predict(model, input); }, args.min_runs, args.min_seconds);

  std::vector<MethodResult> results;
  for (const std::string& name : args.methods) {
    std::unique_ptr<explain::Method> method = explain::make_method(name);
    MethodResult result{name, {}, {}, {}};
    std::vector<explain::Timings> stages;
    result.total = bench::measure(
        [&] {
          result.last = explain::explain_target(model, input, *method, explain::Target::top(), options);
          stages.push_back(result.last.timings);
        },
        args.min_runs, args.min_seconds, args.max_seconds);
    result.stages = median_stages(stages, result.total.runs);
    results.push_back(std::move(result));
  }

  // The headline four back to back, as the page runs them for one photo.
  std::vector<std::unique_ptr<explain::Method>> headline;
  for (std::string_view name : kHeadlineMethods) headline.push_back(explain::make_method(name));
  const bench::Timing headline_total = bench::measure(
      [&] {
        for (auto& method : headline) explain::explain_target(model, input, *method, explain::Target::top(), options);
      },
      args.min_runs, args.min_seconds);
  // The same four after one shared forward pass: explain_all, as `camlens explain` runs them.
  std::vector<explain::Method*> headline_methods;
  for (auto& method : headline) headline_methods.push_back(method.get());
  const explain::Target top[] = {explain::Target::top()};
  const bench::Timing headline_shared = bench::measure(
      [&] { explain::explain_all(model, input, headline_methods, top, options); }, args.min_runs, args.min_seconds);
  // The same four through the Explainer, as the page asks for them: a view of a new box (it moves
  // by a pixel each time, so nothing is kept) with its pictures, and a recolour of the kept maps.
  explain::Explainer explainer(load_model_file(args.model));
  explainer.set_image(photo.clone());
  explain::ViewRequest view;
  for (std::string_view name : kHeadlineMethods) view.methods.push_back({std::string(name), nullptr});
  int shift = 0;
  const bench::Timing view_new_box = bench::measure(
      [&] {
        shift ^= 1;
        view.crop = CropBox{box.x + shift, box.y, box.width - 1, box.height};
        explainer.view(view);
      },
      args.min_runs, args.min_seconds);
  const bench::Timing view_recolour = bench::measure(
      [&] {
        view.look.colormap = view.look.colormap == explain::Colormap::jet ? explain::Colormap::viridis : explain::Colormap::jet;
        explainer.view(view);
      },
      args.min_runs, args.min_seconds);
  double headline_sum = 0.0;
  for (const MethodResult& r : results) {
    if (is_headline(r.name)) headline_sum += r.total.median_ms;
  }

  const char* backend = kernels::optimized_backend_name();
  std::printf("camlens %s, %d thread(s), %s on %s (%dx%d crop), class %d\n\n", backend, kernels::thread_count(),
              args.model.c_str(), args.image.c_str(), box.width, box.height, prediction.ranking.front());
  std::printf("| method | total ms | forward ms | backward ms | map ms | post-process ms |\n|---|---:|---:|---:|---:|---:|\n");
  std::printf("| forward only (predict) | %s | | | | |\n", format(forward).c_str());
  for (const MethodResult& r : results) {
    std::printf("| %s | %s | %.3f | %.3f | %.3f | %.3f |\n", r.name.c_str(), format(r.total).c_str(), r.stages.forward_ms,
                r.stages.backward_ms, r.stages.map_ms, r.stages.postprocess_ms);
  }
  std::printf("\nCAM + Grad-CAM + Grad-CAM++ + saliency: %s ms back to back (sum of medians %.3f ms; target < %.0f ms: %s)\n",
              format(headline_total).c_str(), headline_sum, kHeadlineTargetMs,
              headline_total.median_ms < kHeadlineTargetMs ? "met" : "missed");
  std::printf("CAM + Grad-CAM + Grad-CAM++ + saliency after one shared forward pass (explain_all): %s ms (target: %s)\n",
              format(headline_shared).c_str(), headline_shared.median_ms < kHeadlineTargetMs ? "met" : "missed");
  std::printf("The same as one Explainer view of a new box, pictures included: %s ms; recoloured: %s ms\n",
              format(view_new_box).c_str(), format(view_recolour).c_str());

  if (!args.json_path.empty()) {
    json methods = json::array();
    json maps = json::object();
    for (const MethodResult& r : results) {
      json stages = {{"forward_ms", r.stages.forward_ms},
                     {"backward_ms", r.stages.backward_ms},
                     {"map_ms", r.stages.map_ms},
                     {"postprocess_ms", r.stages.postprocess_ms}};
      methods.push_back({{"name", r.name}, {"total", timing_json(r.total)}, {"stages_median", stages}});
      if (is_headline(r.name)) {
        maps[r.name] = {{"layer", r.last.layer},
                        {"height", r.last.raw.height},
                        {"width", r.last.raw.width},
                        {"target_class", r.last.target_class},
                        {"raw", r.last.raw.values}};
      }
    }
    json out = {{"backend", backend},
                {"threads", kernels::thread_count()},
                {"model", args.model},
                {"image", args.image},
                {"crop", {{"x", box.x}, {"y", box.y}, {"width", box.width}, {"height", box.height}}},
                {"forward", timing_json(forward)},
                {"forward_mflop", forward_mflop(model)},
                {"methods", methods},
                {"headline",
                 {{"methods", json(std::vector<std::string>(std::begin(kHeadlineMethods), std::end(kHeadlineMethods)))},
                  {"back_to_back", timing_json(headline_total)},
                  {"shared_forward", timing_json(headline_shared)},
                  {"view_new_box", timing_json(view_new_box)},
                  {"view_recolour", timing_json(view_recolour)},
                  {"sum_of_medians_ms", headline_sum},
                  {"target_ms", kHeadlineTargetMs}}},
                {"reference",
                 {{"input_shape", shape_json(input.shape())},
                  {"input", json(std::vector<float>(input.values().begin(), input.values().end()))},
                  {"logits", prediction.logits},
                  {"maps", maps}}}};
    std::ofstream file(args.json_path);
    if (!file) fail("cannot write ", args.json_path, "; check that its folder exists");
    file << out.dump() << '\n';
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "camlens_bench_explain: %s\n", e.what());
  return 1;
}
