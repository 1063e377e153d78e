// camlens train: a training run as a time-lapse. Every epoch the run folder gets the snapshot
// (epochs/NN: a TensorFlow.js layers model and the training state to resume from), the epoch's
// entry in timeline.json, and each probe's film strip (strips/NAME.png) and animation (.gif).
// Files are written beside their final name and renamed into place, so a run stopped at any
// moment leaves every finished epoch whole.
#include "train_command.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "image/channels.h"
#include "image/decode.h"
#include "image/encode.h"
#include "image/gif.h"
#include "image/preprocess.h"
#include "image/text.h"
#include "io/json_fields.h"
#include "io/layers_model_saver.h"
#include "io/weights.h"
#include "train/architecture.h"
#include "train/film_strip.h"
#include "train/idx.h"
#include "train/image_folder.h"
#include "train/run.h"

namespace camlens::cli {

namespace fs = std::filesystem;

const char* const kTrainHelp = R"(Usage: camlens train [--data fashion-mnist|DIR] [--arch NAME] --out RUN [options]
       camlens train --resume RUN [--epochs N]

Trains a classifier with camlens's own forward and backward passes and records how its attention
changes: after every epoch RUN gets
  epochs/NN/        the snapshot (model.json + weights.bin, loadable by tf.loadLayersModel and by
                    camlens --model) and training-state.bin (for --resume)
  timeline.json     the run's settings and, per epoch, losses, accuracies and, per probe image,
                    the top-3 classes and the CAM of the top class (docs/result.schema.json)
  probes/           the probe images
  strips/NAME.png   per probe, one frame per epoch: the map over the image, the top-3 bars beneath
  strips/NAME.gif   the same frames, animated
  model.json        the latest snapshot again, with weights.bin

Data:
  --data fashion-mnist  Fashion-MNIST from Debian's dataset-fashion-mnist (the default): 60,000
                        training images; the 10,000 test images are the validation set
  --data DIR            a folder with one subfolder of images per class (PNG, JPEG, BMP, GIF; any
                        size: resized to the input), or DIR/train and DIR/val with the same
                        subfolders. Without train/ and val/, --val-fraction of each class is held out
                        (chosen by --seed). A folder with Fashion-MNIST's *-ubyte.gz files is read
                        as Fashion-MNIST.
  --input HxWxC         the input size for a folder (default 64x64x3; C 1 for gray, 3 for colour)
  --val-fraction F      default 0.1
  --limit N             train on N training images only (quick runs): Fashion-MNIST's first N, a
                        folder's taken from every class in turn

Run:
  --arch NAME           the network (default vgg), one of:
%ARCHITECTURES%
  --epochs N            default 7
  --batch N             default 64
  --optimizer adam|sgd  default adam (AdamW)
  --lr X                the peak of the cosine schedule (default 0.002 for adam, 0.05 for sgd)
  --weight-decay X      decoupled, kernels only (default 0.01 for adam, 5e-4 for sgd)
  --no-augment          no random flips and shifts
  --seed S              default 1: the same seed gives the same run at any --threads
  --probe IMAGE...      the images to follow (default: the first validation image of each class);
                        each image's class is its folder's name, or say it: --probe Dress=photo.png
  --method NAME         the probes' maps (default cam)
  --no-strips           write no film strips or GIFs
  --threads N           default %THREADS%
  --stop-after N        stop after epoch N of --epochs (the schedule stays planned for all of them);
                        --resume finishes the run
  --resume RUN          continue a run where its last finished epoch left it; --epochs N may grow it
                        (the learning-rate schedule then stretches over the new total)

Exit codes: 0 done, 1 failed, 2 bad command line, 3 unreadable data or probe.
)";

const std::vector<OptionSpec>& train_option_specs() {
  static const std::vector<OptionSpec> specs{
      {"data", true},      {"arch", true},         {"out", true},         {"resume", true},   {"epochs", true},
      {"batch", true},     {"optimizer", true},    {"lr", true},          {"weight-decay", true},
      {"no-augment", false}, {"seed", true},       {"limit", true},       {"probe", true, true},
      {"input", true},     {"val-fraction", true}, {"method", true},      {"no-strips", false},
      {"threads", true},   {"stop-after", true},
  };
  return specs;
}

namespace {

constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr int kGifFrameMs = 700;
constexpr uint64_t kMostTimelineBytes = 256ull << 20;
constexpr uint64_t kMostStateBytes = 2ull << 30;

// ---- the command line ----

double parse_number(const std::string& text, std::string_view option, double min, double max) {
  std::istringstream in(text);
  double value = 0.0;
  char extra = 0;
  if (!(in >> value) || in >> extra || !(value >= min && value <= max)) {
    throw UsageError("--" + std::string(option) + " needs a number in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], got '" + text + "'");
  }
  return value;
}

uint64_t parse_count(const std::string& text, std::string_view option) {
  const double value = parse_number(text, option, 0.0, 0x1.0p53);
  if (value != static_cast<double>(static_cast<uint64_t>(value))) {
    throw UsageError("--" + std::string(option) + " needs a whole number, got '" + text + "'");
  }
  return static_cast<uint64_t>(value);
}

Shape parse_input(const std::string& text) {
  int height = 0, width = 0, channels = 0;
  char x1 = 0, x2 = 0, extra = 0;
  std::istringstream in(text);
  if (!(in >> height >> x1 >> width >> x2 >> channels) || in >> extra || x1 != 'x' || x2 != 'x' || height < 8 ||
      width < 8 || height > 1024 || width > 1024 || (channels != 1 && channels != 3)) {
    throw UsageError("--input needs HxWxC with sides from 8 to 1024 and C 1 or 3 (e.g. 64x64x3), got '" + text + "'");
  }
  return Shape{height, width, channels};
}

bool is_idx_folder(const fs::path& dir) { return fs::exists(dir / "train-images-idx3-ubyte.gz"); }

// ---- files ----

void write_bytes(const fs::path& path, const void* data, size_t size) {
  const fs::path partial = path.string() + ".partial";
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    file.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!file.flush()) fail("cannot write ", partial.string(), ": is the disk full or the folder read-only?");
  }
  fs::rename(partial, path);
}

void write_text(const fs::path& path, const std::string& text) { write_bytes(path, text.data(), text.size()); }

// A run's own files (timeline.json, training-state.bin); `most` keeps a wrong file from being read whole.
std::vector<uint8_t> read_bytes(const fs::path& path, uint64_t most) {
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file_bytes(path, most + 1);
  } catch (const Error& e) {
    throw InputError(e.what());
  }
  if (bytes.size() > most) throw InputError(path.string() + " is over " + std::to_string(most >> 20) + " MB: is it the right file?");
  return bytes;
}

// The epoch's snapshot and training state, written into a scratch folder renamed into place last.
void write_snapshot(const fs::path& run, const std::string& folder, const Graph& snapshot,
                    const ModelMetadata& metadata, const std::vector<uint8_t>& state) {
  const fs::path target = run / folder;
  const fs::path partial = target.string() + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  save_layers_model_files(snapshot, &metadata, partial);
  write_bytes(partial / "training-state.bin", state.data(), state.size());
  fs::remove_all(target);  // an epoch written before a stop the timeline never recorded
  fs::rename(partial, target);
}

void write_latest_model(const fs::path& run, const Graph& snapshot, const ModelMetadata& metadata) {
  const SavedLayersModel saved = save_layers_model(snapshot, &metadata);
  write_bytes(run / saved.weights_file, saved.weights.data(), saved.weights.size());
  write_text(run / "model.json", saved.model_json);
}

// ---- data ----

struct LoadedData {
  TrainingSet set;
  std::vector<ProbeImage> default_probes;  // the first validation image of each class
};

LoadedData load_fashion(const std::string& dir, uint64_t limit) {
  FashionMnist fashion = load_fashion_mnist(dir);
  LoadedData data;
  data.set.source = "fashion-mnist";
  data.set.labels = fashion_mnist_labels();
  data.set.train = limit > 0 ? take_first(fashion.train, limit) : std::move(fashion.train);
  data.set.validation = std::move(fashion.test);
  for (const size_t index : first_of_each_class(data.set.validation, data.set.labels.size())) {
    data.default_probes.push_back({{"", data.set.validation.labels[index]}, item_image(data.set.validation, index)});
  }
  return data;
}

// The probe as the user has it (not the resized training copy): the page and the strips show it.
Image probe_from_file(const std::string& path) {
  try {
    return probe_picture(decode_image_file(path));
  } catch (const std::exception& e) {
    throw InputError("probe " + path + ": " + e.what());
  }
}

LoadedData load_folder(const std::string& dir, const Shape& input, double validation_fraction, uint64_t seed,
                       uint64_t limit) {
  ImageFolderOptions options;
  options.split.validation_fraction = validation_fraction;
  options.split.seed = seed;
  const bool interactive = isatty(STDERR_FILENO);
  options.on_progress = [&](size_t done, size_t total) {
    if (interactive && (done % 50 == 0 || done == total)) std::fprintf(stderr, "\rreading images %zu/%zu", done, total);
  };
  ImageFolder folder = load_image_folder(dir, input, options);
  if (interactive) std::fprintf(stderr, "\r\033[K");
  for (const ClassCount& count : folder.counts) {
    std::printf("  %-24s %6zu training %6zu validation%s\n", count.name.c_str(), count.train, count.validation,
                count.skipped > 0 ? ("  (" + std::to_string(count.skipped) + " skipped)").c_str() : "");
  }
  if (!folder.skipped.empty()) {
    const SkippedFile& first = folder.skipped.front();
    std::printf("skipped %zu file(s), e.g. %s: %s%s%s\n", folder.skipped.size(), first.file.c_str(),
                skip_reason_name(first.reason), first.detail.empty() ? "" : ": ", first.detail.c_str());
  }
  LoadedData data;
  data.set.source = std::filesystem::absolute(dir).lexically_normal().string();
  data.set.labels = folder.classes;
  // The folder's images come class by class: a limit takes from every class in turn.
  data.set.train = limit > 0 ? take_each_class_in_turn(folder.train, limit) : std::move(folder.train);
  data.set.validation = std::move(folder.validation);
  data.set.validation_fraction = folder.split_given ? 0.0 : validation_fraction;
  for (const size_t index : first_of_each_class(data.set.validation, data.set.labels.size())) {
    data.default_probes.push_back({{"", data.set.validation.labels[index]}, probe_from_file(folder.validation_files[index])});
  }
  return data;
}

LoadedData load_data(const RunSettings& settings) {
  if (settings.data == "fashion-mnist") return load_fashion(kFashionMnistDir, settings.limit);
  if (is_idx_folder(settings.data)) return load_fashion(settings.data, settings.limit);
  return load_folder(settings.data, settings.input, settings.validation_fraction, settings.seed, settings.limit);
}

// ---- probes ----

int class_named(const std::string& name, const std::vector<std::string>& labels) {
  const auto it = std::find(labels.begin(), labels.end(), name);
  return it == labels.end() ? -1 : static_cast<int>(it - labels.begin());
}

// "--probe PATH" (its folder names the class) or "--probe LABEL=PATH".
ProbeImage user_probe(const std::string& argument, const std::vector<std::string>& labels) {
  fs::path path = argument;
  int true_class = class_named(path.parent_path().filename().string(), labels);
  const size_t equals = argument.find('=');
  if (!fs::exists(path) && equals != std::string::npos) {
    path = argument.substr(equals + 1);
    true_class = class_named(argument.substr(0, equals), labels);
    if (true_class < 0) {
      throw UsageError("--probe " + argument + ": '" + argument.substr(0, equals) + "' is not a class of this data");
    }
  }
  if (true_class < 0) {
    throw UsageError("--probe " + argument + ": say which class it shows, e.g. --probe '" + labels.front() + "=" +
                     argument + "' (its folder's name is not a class)");
  }
  return ProbeImage{{"", true_class}, probe_from_file(path.string())};
}

// Names each probe probes/NN-label.png and writes it: the run explains exactly these pixels.
std::vector<ProbeImage> write_probes(const fs::path& run, std::vector<ProbeImage> probes,
                                     const std::vector<std::string>& labels) {
  fs::create_directories(run / "probes");
  for (size_t i = 0; i < probes.size(); ++i) {
    ProbeImage& probe = probes[i];
    probe.probe.image = probe_file_name(i, labels[probe.probe.true_class]);
    const std::vector<uint8_t> png = encode_png(probe.image);
    write_bytes(run / probe.probe.image, png.data(), png.size());
  }
  return probes;
}

std::vector<ProbeImage> read_probes(const fs::path& run, const Timeline& timeline) {
  std::vector<ProbeImage> probes;
  for (const Probe& probe : timeline.probes) {
    try {
      probes.push_back({probe, decode_image_file((run / probe.image).string())});
    } catch (const std::exception& e) {
      throw InputError("the run's probe " + (run / probe.image).string() + " cannot be read: " + e.what());
    }
  }
  return probes;
}

// ---- film strips ----

void write_strips(const fs::path& run, const Timeline& timeline, std::span<const ProbeImage> probes, const Font& font) {
  fs::create_directories(run / "strips");
  for (size_t p = 0; p < probes.size(); ++p) {
    std::vector<Image> frames;
    for (const TimelineEpoch& epoch : timeline.epochs) {
      frames.push_back(film_frame(probes[p].image, epoch.probes.at(p), epoch.epoch, timeline.run.labels, font));
    }
    const std::string name = fs::path(probes[p].probe.image).stem().string();
    const std::string title = fs::path(probes[p].probe.image).filename().string() + "  (" +
                              timeline.run.labels[probes[p].probe.true_class] + ")  " + timeline.run.architecture +
                              ", " + timeline.run.method + " at " + timeline.run.layer;
    const std::vector<uint8_t> png = encode_png(film_strip(frames, title, font));
    write_bytes(run / "strips" / (name + ".png"), png.data(), png.size());
    const std::vector<uint8_t> gif = encode_gif(frames, kGifFrameMs);
    write_bytes(run / "strips" / (name + ".gif"), gif.data(), gif.size());
  }
}

std::optional<Font> load_font(bool wanted) {
  if (!wanted) return std::nullopt;
  std::ifstream file(kFontPath, std::ios::binary);
  if (!file) {
    throw InputError(std::string("the film strips need the font ") + kFontPath +
                     ": install Debian's fonts-dejavu-core, or pass --no-strips");
  }
  return Font(std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {}));
}

// ---- settings ----

RunSettings settings_from(const Arguments& args) {
  RunSettings run;
  run.architecture = args.get("arch").value_or("vgg");
  run.data = args.get("data").value_or("fashion-mnist");
  const bool fashion = run.data == "fashion-mnist" || is_idx_folder(run.data);
  // Absolute, so --resume finds the data from any folder.
  if (run.data != "fashion-mnist") run.data = fs::absolute(run.data).lexically_normal().string();
  run.input = fashion ? Shape{28, 28, 1} : parse_input(args.get("input").value_or("64x64x3"));
  if (fashion && args.has("input")) throw UsageError("--input is for folders of images; Fashion-MNIST is 28x28x1");
  run.epochs = args.has("epochs") ? parse_int(*args.get("epochs"), "epochs", 1) : 7;
  run.batch = args.has("batch") ? parse_int(*args.get("batch"), "batch", 1) : 64;
  run.optimizer = args.get("optimizer").value_or("adam");
  if (run.optimizer != "adam" && run.optimizer != "sgd") {
    throw UsageError("--optimizer takes adam or sgd, got '" + run.optimizer + "'");
  }
  const bool adam = run.optimizer == "adam";
  run.learning_rate = static_cast<float>(args.has("lr") ? parse_number(*args.get("lr"), "lr", 1e-9, 10.0)
                                                         : (adam ? 0.002 : 0.05));
  run.weight_decay = static_cast<float>(args.has("weight-decay")
                                            ? parse_number(*args.get("weight-decay"), "weight-decay", 0.0, 1.0)
                                            : (adam ? 0.01 : 5e-4));
  run.augment = !args.has("no-augment");
  run.seed = args.has("seed") ? parse_count(*args.get("seed"), "seed") : 1;
  run.limit = args.has("limit") ? parse_count(*args.get("limit"), "limit") : 0;
  run.validation_fraction =
      fashion ? 0.0 : (args.has("val-fraction") ? parse_number(*args.get("val-fraction"), "val-fraction", 0.01, 0.9) : 0.1);
  run.method = args.get("method").value_or("cam");
  return run;
}

// On --resume, only --epochs (and --threads, --no-strips) may be given: the rest is the run's.
void check_resume_arguments(const Arguments& args) {
  for (const auto& [name, value] : args.values) {
    if (name != "resume" && name != "epochs" && name != "threads" && name != "no-strips" && name != "stop-after") {
      throw UsageError("--" + name + " cannot change a run being resumed; only --epochs, --stop-after and --threads can");
    }
  }
}

Timeline read_timeline(const fs::path& run) {
  const fs::path path = run / "timeline.json";
  if (!fs::exists(path)) throw InputError(path.string() + " does not exist: --resume takes a run folder of camlens train");
  const std::vector<uint8_t> bytes = read_bytes(path, kMostTimelineBytes);
  try {
    return timeline_from_json(json_fields::parse({reinterpret_cast<const char*>(bytes.data()), bytes.size()},
                                                 path.string()),
                              path.string());
  } catch (const Error& e) {
    throw InputError(e.what());
  }
}

// ---- the run ----

void print_epoch(const TimelineEpoch& e, int epochs, const fs::path& run) {
  std::printf("epoch %d/%d  train loss %.4f acc %.2f%%  val loss %.4f acc %.2f%%  %.1f s  -> %s\n", e.epoch, epochs,
              e.train_loss, 100.0 * e.train_accuracy, e.validation_loss, 100.0 * e.validation_accuracy, e.seconds,
              (run / e.snapshot).c_str());
  std::fflush(stdout);
}

}  // namespace

int run_train(const Arguments& args) {
  if (!args.positional.empty()) throw UsageError("unexpected argument '" + args.positional.front() + "'");
  const bool resuming = args.has("resume");
  if (resuming) check_resume_arguments(args);
  if (!resuming && !args.has("out")) throw UsageError("say where the run goes: --out RUN (a new folder)");
  const fs::path run_folder = resuming ? fs::path(*args.get("resume")) : fs::path(*args.get("out"));
  if (!resuming && fs::exists(run_folder / "timeline.json")) {
    throw UsageError(run_folder.string() + " already holds a run: continue it with --resume " + run_folder.string() +
                     ", or give another --out");
  }

  const std::optional<Timeline> previous = resuming ? std::optional<Timeline>(read_timeline(run_folder)) : std::nullopt;
  RunSettings settings = resuming ? previous->run : settings_from(args);
  if (resuming && args.has("epochs")) settings.epochs = parse_int(*args.get("epochs"), "epochs", 1);
  if (resuming && static_cast<int>(previous->epochs.size()) >= settings.epochs) {
    std::printf("%s has all %d epochs already; give --epochs N to train more\n", run_folder.c_str(), settings.epochs);
    return 0;
  }
  try {
    make_architecture(settings.architecture, settings.input, 2);  // an unknown name fails before the data loads
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  const int stop_after = args.has("stop-after") ? parse_int(*args.get("stop-after"), "stop-after", 1) : settings.epochs;
  const std::optional<Font> font = load_font(!args.has("no-strips"));

  LoadedData data;
  try {
    data = load_data(settings);
  } catch (const Error& e) {
    throw InputError(e.what());
  }
  settings.labels = data.set.labels;
  std::printf("%s: %zu training images, %zu validation images, %zu classes\n", settings.data.c_str(),
              data.set.train.size(), data.set.validation.size(), settings.labels.size());

  std::vector<ProbeImage> probes;
  if (resuming) {
    probes = read_probes(run_folder, *previous);
  } else {
    fs::create_directories(run_folder);
    for (const std::string& argument : args.get_all("probe")) probes.push_back(user_probe(argument, settings.labels));
    probes = write_probes(run_folder, probes.empty() ? std::move(data.default_probes) : std::move(probes),
                          settings.labels);
  }

  TrainingRun run(settings, data.set, std::move(probes));
  if (resuming) {
    const fs::path state = run_folder / previous->epochs.back().snapshot / "training-state.bin";
    run.resume(*previous, read_bytes(state, kMostStateBytes));
    std::printf("resuming after epoch %d of %d\n", run.epochs_done(), settings.epochs);
  }
  std::printf("%s: %d steps of %d images per epoch, %d epochs; probes' maps: %s at %s\n",
              run.architecture().name.c_str(), run.steps_per_epoch(), settings.batch, settings.epochs,
              settings.method.c_str(), run.timeline().run.layer.c_str());

  const bool interactive = isatty(STDERR_FILENO);
  const std::vector<ProbeImage> probe_images = read_probes(run_folder, run.timeline());
  while (!run.finished() && run.epochs_done() < stop_after) {
    std::optional<EpochOutcome> outcome = run.next_epoch([&](int done, int total) {
      if (interactive && (done % 10 == 0 || done == total)) {
        std::fprintf(stderr, "\repoch %d: step %d/%d", run.epochs_done() + 1, done, total);
        if (done == total) std::fprintf(stderr, "\r\033[K");
      }
    });
    write_snapshot(run_folder, outcome->entry.snapshot, outcome->snapshot, run.metadata(), run.save_state());
    write_latest_model(run_folder, outcome->snapshot, run.metadata());
    write_text(run_folder / "timeline.json", timeline_json(run.timeline()).dump() + "\n");
    if (font) write_strips(run_folder, run.timeline(), probe_images, *font);
    print_epoch(outcome->entry, settings.epochs, run_folder);
  }
  if (!run.finished()) {
    std::printf("stopped after epoch %d of %d: continue with camlens train --resume %s\n", run.epochs_done(),
                settings.epochs, run_folder.c_str());
  }
  std::printf("wrote %s%s\n", (run_folder / "timeline.json").c_str(),
              font ? (", film strips and GIFs in " + (run_folder / "strips").string()).c_str() : "");
  return 0;
}

}  // namespace camlens::cli
