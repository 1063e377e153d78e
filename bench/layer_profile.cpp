// Where a model's forward pass spends its time, layer by layer: each layer's forward is timed on
// its own, on the activations of one full forward pass, and so is its backward (input gradients
// only, as the explanations ask). The same source builds natively (build/native/camlens_bench_layers)
// and as WebAssembly for Node (node --experimental-wasm-relaxed-simd build/wasm/camlens_bench_layers.js),
// so a slow WebAssembly forward can be traced to its layers with the page's kernels.
//
// Prints a markdown table in node order (milliseconds, the best of --runs calls after one warm-up
// call: on a shared machine other processes only ever add time; MFLOP counts 2 per multiply-add of
// the layers with a kernel) and the time per layer kind.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.h"
#include "image/decode.h"
#include "io/model.h"
#include "io/model_input.h"
#include "kernels/backend.h"
#include "timing.h"

using namespace camlens;
using nlohmann::json;

namespace {

constexpr const char* kUsage =
    "usage: camlens_bench_layers --model FILE [--image PATH] [--threads N] [--runs N] [--idle-ms MS] [--exact-sums]\n"
    "                            [--json FILE]\n"
    "  defaults: web/samples/astronaut.jpg, 1 thread, the best of 15 timed calls per layer and pass\n"
    "  --idle-ms MS: also time the forward pass after MS milliseconds idle before each call, as a page's\n"
    "                calls come (the pool's threads have gone to sleep)\n"
    "  --exact-sums: also time the forward pass with exact sums (kernels::use_exact_sums), alternating\n"
    "                with the optimised one\n";

struct Arguments {
  std::string model;
  std::string image = "web/samples/astronaut.jpg";
  int threads = 1;
  int runs = 15;
  int idle_ms = -1;  // -1: no idle timing
  bool exact_sums = false;
  std::string json_path;
};

Arguments parse(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (flag == "--exact-sums") {
      args.exact_sums = true;
      continue;
    }
    if (i + 1 >= argc) fail(flag, " needs a value (or is unknown)\n", kUsage);
    const std::string value = argv[++i];
    if (flag == "--model") args.model = value;
    else if (flag == "--image") args.image = value;
    else if (flag == "--threads") args.threads = std::atoi(value.c_str());
    else if (flag == "--runs") args.runs = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--idle-ms") args.idle_ms = std::max(0, std::atoi(value.c_str()));
    else if (flag == "--json") args.json_path = value;
    else fail("unknown option '", flag, "'\n", kUsage);
  }
  if (args.model.empty()) fail("--model is required\n", kUsage);
  return args;
}

template <typename Fn>
double best_ms(Fn&& run, int runs) {
  run();  // first-touch allocation, weight packing
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// The forward pass timed `runs` times, each after `idle_ms` of sleep.
bench::Timing forward_after_idle(Model& model, const Tensor& input, int idle_ms, int runs) {
  std::vector<double> samples;
  for (int i = 0; i < runs; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
    const auto start = std::chrono::steady_clock::now();
    model.graph.forward(input, {.keep = std::vector<std::string>{}});
    samples.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return bench::summarize(samples);
}

struct LayerTime {
  std::string name, kind, shape;
  double mflop = 0.0, forward_ms = 0.0, backward_ms = 0.0;
};

double layer_mflop(Layer& layer, const NodeInfo& node) {
  const double pixels = node.spatial() ? static_cast<double>(node.item_shape[0]) * node.item_shape[1] : 1.0;
  double flops = 0.0;
  for (const Parameter& parameter : layer.parameters()) {
    if (parameter.value->shape().rank() >= 2) flops += 2.0 * pixels * static_cast<double>(parameter.value->size());
  }
  return flops * 1e-6;
}

// Times node's layer alone on the kept activations of the last forward pass.
LayerTime profile_layer(Graph& graph, const NodeInfo& node, int runs) {
  Layer& layer = graph.layer(node.name);
  std::vector<const Tensor*> inputs;
  std::vector<Shape> shapes;
  for (const std::string& input : node.inputs) {
    inputs.push_back(&graph.activation(input));
    shapes.push_back(inputs.back()->shape());
  }
  const Tensor& kept_out = graph.activation(node.name);
  Tensor out(layer.output_shape(shapes));
  LayerTime t{node.name, layer.kind(), node.item_shape.str(), layer_mflop(layer, node)};
  t.forward_ms = best_ms([&] { layer.forward(out, inputs, Phase::inference); }, runs);

  Tensor d_out(kept_out.shape());
  d_out.fill(1e-3f);
  std::vector<Tensor> d_in_storage;
  for (const Shape& shape : shapes) d_in_storage.emplace_back(shape);
  std::vector<Tensor*> d_in;
  for (Tensor& d : d_in_storage) d_in.push_back(&d);
  t.backward_ms = best_ms([&] { layer.backward(d_in, d_out, inputs, kept_out, BackwardRequest{}); }, runs);
  return t;
}

// The forward pass with exact sums against the optimised one, a call of each in turn.
void time_exact_sums(Model& model, const Tensor& input, int runs) {
  std::vector<double> optimised_ms, exact_ms;
  for (int run = 0; run <= runs; ++run) {
    for (bool exact : {false, true}) {
      kernels::ExactSumsScope scope(exact);
      const auto start = std::chrono::steady_clock::now();
      model.graph.forward(input, {.keep = std::vector<std::string>{}});
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (run > 0) (exact ? exact_ms : optimised_ms).push_back(ms);  // call 0 warms both up
    }
  }
  const double optimised = bench::summarize(optimised_ms).median_ms, exact = bench::summarize(exact_ms).median_ms;
  std::printf("forward with exact sums: %.2f ms median against %.2f ms optimised, alternated over %d calls each: %.1fx\n",
              exact, optimised, runs, exact / optimised);
}

}  // namespace

int main(int argc, char** argv) try {
  const Arguments args = parse(argc, argv);
  kernels::pin_threads_to_cpus(true);  // as the CLI and the explanation benchmark run
  kernels::set_thread_count(args.threads);
  Model model = load_model_file(args.model);
  const Image photo = decode_image_file(args.image, {.channels = 3});
  const CropBox box = default_crop_box(model.metadata.crop, photo.width(), photo.height());
  const Tensor input = preprocess_image(photo, preprocess_spec(model.metadata, box));

  // The whole pass twice: with only the output kept (activations share scratch buffers) and with
  // every activation kept (each its own buffer), as the layers are timed below.
  const bench::Timing forward = bench::measure([&] { model.graph.forward(input, {.keep = std::vector<std::string>{}}); },
                                               args.runs, 1.0);
  if (args.idle_ms >= 0) {
    const bench::Timing idle = forward_after_idle(model, input, args.idle_ms, args.runs);
    std::printf("forward after %d ms idle: %.2f ms median [%.2f-%.2f] over %d calls\n", args.idle_ms, idle.median_ms,
                idle.low_ms, idle.high_ms, idle.runs);
  }
  if (args.exact_sums) time_exact_sums(model, input, args.runs);
  const bench::Timing forward_keep_all = bench::measure([&] { model.graph.forward(input, {.keep = std::nullopt}); },
                                                        args.runs, 1.0);
  std::vector<LayerTime> layers;
  for (const NodeInfo& node : model.graph.nodes()) {
    if (node.name != model.input()) layers.push_back(profile_layer(model.graph, node, args.runs));
  }

  double forward_sum = 0.0, backward_sum = 0.0, mflop = 0.0;
  std::map<std::string, LayerTime> by_kind;
  for (const LayerTime& t : layers) {
    forward_sum += t.forward_ms;
    backward_sum += t.backward_ms;
    mflop += t.mflop;
    LayerTime& kind = by_kind[t.kind];
    kind.kind = t.kind;
    kind.mflop += t.mflop;
    kind.forward_ms += t.forward_ms;
    kind.backward_ms += t.backward_ms;
  }
  std::printf("camlens %s, %d thread(s), %s, %.0f MFLOP: forward %.2f ms median [%.2f-%.2f], with every activation "
              "kept %.2f ms [%.2f-%.2f]; the layers' best times add up to %.2f ms forward, %.2f ms backward\n\n",
              kernels::optimized_backend_name(), kernels::thread_count(), args.model.c_str(), mflop, forward.median_ms,
              forward.low_ms, forward.high_ms, forward_keep_all.median_ms, forward_keep_all.low_ms, forward_keep_all.high_ms,
              forward_sum, backward_sum);
  std::printf("| node | kind | output | MFLOP | forward ms (best) | %% | GFLOP/s | backward ms (best) |\n|---|---|---|---:|---:|---:|---:|---:|\n");
  for (const LayerTime& t : layers) {
    std::printf("| %s | %s | %s | %.1f | %.3f | %.1f | %.1f | %.3f |\n", t.name.c_str(), t.kind.c_str(), t.shape.c_str(), t.mflop,
                t.forward_ms, 100.0 * t.forward_ms / forward_sum, t.forward_ms > 0 ? t.mflop / t.forward_ms : 0.0,
                t.backward_ms);
  }
  std::printf("\n| kind | MFLOP | forward ms | %% | GFLOP/s | backward ms |\n|---|---:|---:|---:|---:|---:|\n");
  for (const auto& [name, t] : by_kind) {
    std::printf("| %s | %.1f | %.3f | %.1f | %.1f | %.3f |\n", name.c_str(), t.mflop, t.forward_ms,
                100.0 * t.forward_ms / forward_sum, t.forward_ms > 0 ? t.mflop / t.forward_ms : 0.0, t.backward_ms);
  }

  if (!args.json_path.empty()) {
    json rows = json::array();
    for (const LayerTime& t : layers) {
      rows.push_back({{"node", t.name}, {"kind", t.kind}, {"output", t.shape}, {"mflop", t.mflop},
                      {"forward_best_ms", t.forward_ms}, {"backward_best_ms", t.backward_ms}});
    }
    json out = {{"backend", kernels::optimized_backend_name()}, {"threads", kernels::thread_count()}, {"model", args.model},
                {"forward_median_ms", forward.median_ms}, {"forward_p10_ms", forward.low_ms},
                {"forward_keep_all_median_ms", forward_keep_all.median_ms}, {"forward_keep_all_p10_ms", forward_keep_all.low_ms},
                {"forward_mflop", mflop}, {"layers", rows}};
    std::ofstream file(args.json_path);
    if (!file) fail("cannot write ", args.json_path, "; check that its folder exists");
    file << out.dump(1) << '\n';
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "camlens_bench_layers: %s\n", e.what());
  return 1;
}
