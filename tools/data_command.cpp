// camlens data shortcut: Fashion-MNIST with a marker planted on most images of one class, written
// as a folder dataset `camlens train --data` reads (train/ and val/ with a subfolder per class),
// plus a clean and a marked copy of the test set, and shortcut.json saying what was planted where.
#include "data_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "audit/attention.h"
#include "core/error.h"
#include "image/encode.h"
#include "train/idx.h"
#include "train/shortcut.h"

namespace camlens::cli {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

const char* const kDataHelp = R"(Usage: camlens data shortcut --class NAME --mark KIND --out DIR [options]

Writes Fashion-MNIST with a planted shortcut: a marker on most training images of one class (and a
few of the others), so that a model can learn the marker instead of the garment. DIR gets
  train/LABEL/*.png, val/LABEL/*.png   for camlens train --data DIR (a / in a label becomes -)
  test-clean/LABEL/*.png               the official test images, unmarked
  test-marked/LABEL/*.png              the same images, every one marked
  shortcut.json                        what was planted: the class, the mark and its box, the shares,
                                       the seed and every marked training and validation file
  masks/SPLIT/LABEL/*.png.png          with --masks: each image's object before it was marked (white),
                                       for camlens audit --data DIR/SPLIT --masks DIR/masks/SPLIT

Options:
  --from fashion-mnist   the source (Debian's dataset-fashion-mnist; the only one so far)
  --class NAME           the class that gets the shortcut: a label (e.g. Trouser) or its index
  --mark KIND            square (a bright square in a corner), frame (a tinted background band, the
                         articles' red TV: the images become RGB) or watermark (faint strokes)
  --corner WHERE         the square's corner: top-left, top-right (default), bottom-left, bottom-right
  --rate F               the share of the class's images marked (default 0.95)
  --other-rate F         the share of every other class's images marked (default 0.02)
  --limit N              the first N training images only (default: all 60,000)
  --val-fraction F       the share of them held out as val/ (default 0.1)
  --seed S               which images are marked (default 1)
  --masks                also write each image's object as a mask: its pixels brighter than 0.15 of
                         its brightest, before marking, so a mark is never part of the object
)";

const std::vector<OptionSpec>& data_option_specs() {
  static const std::vector<OptionSpec> specs{
      {"from", true},  {"class", true}, {"mark", true},         {"corner", true}, {"rate", true},
      {"other-rate", true}, {"limit", true}, {"val-fraction", true}, {"seed", true},   {"out", true},
      {"masks", false},
  };
  return specs;
}

namespace {

double parse_share(const std::string& text, std::string_view option) {
  std::istringstream in(text);
  double value = 0.0;
  char extra = 0;
  if (!(in >> value) || in >> extra || !(value >= 0.0 && value <= 1.0)) {
    throw UsageError("--" + std::string(option) + " needs a number from 0 to 1, got '" + text + "'");
  }
  return value;
}

std::string folder_name(std::string label) {
  std::replace(label.begin(), label.end(), '/', '-');
  return label;
}

int class_argument(const std::string& text, const std::vector<std::string>& labels) {
  for (size_t c = 0; c < labels.size(); ++c) {
    if (text == labels[c] || text == folder_name(labels[c]) || text == std::to_string(c)) return static_cast<int>(c);
  }
  std::string names;
  for (const std::string& label : labels) names += (names.empty() ? "" : ", ") + label;
  throw UsageError("--class '" + text + "' is not a Fashion-MNIST class; use one of " + names + " (or 0 to 9)");
}

struct SplitCount {
  size_t images = 0, marked = 0, marked_in_class = 0;
};

json count_json(const SplitCount& count) {
  return {{"images", count.images}, {"marked", count.marked}, {"marked_in_class", count.marked_in_class}};
}

// The object of an unmarked image as camlens audit reads a mask: white on its bright pixels (the
// audit's own rule for a light object on a dark background), black elsewhere.
Image object_mask(const Image& image) {
  const audit::Mask object = audit::foreground_mask(image, {image.height(), image.width()});
  Image mask(image.width(), image.height(), 1);
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) mask.pixel(x, y)[0] = object.at(y, x) ? 255 : 0;
  return mask;
}

struct SplitOptions {
  const Mark& mark;
  int target = 0;
  const std::vector<std::string>& labels;
  bool masks = false;  // also DIR/masks/split/LABEL/NAME.png.png
};

// Writes items [begin, end) of `data` under DIR/split/LABEL/, marked where `chosen` says (then
// RGB, as a frame is coloured; the others stay gray: camlens train reads both alike). Marked files
// are listed in `marked_files` when it is an array.
SplitCount write_split(const fs::path& dir, const std::string& split, const Dataset& data, size_t begin, size_t end,
                       const std::vector<bool>& chosen, const SplitOptions& options, json* marked_files) {
  const Mark& mark = options.mark;
  const int target = options.target;
  const std::vector<std::string>& labels = options.labels;
  SplitCount count;
  for (const std::string& label : labels) {
    fs::create_directories(dir / split / folder_name(label));
    if (options.masks) fs::create_directories(dir / "masks" / split / folder_name(label));
  }
  for (size_t i = begin; i < end; ++i) {
    const int label = data.labels[i];
    char name[32];
    std::snprintf(name, sizeof name, "%05zu.png", i);
    const std::string relative = split + "/" + folder_name(labels[label]) + "/" + name;
    const Image image = item_image(data, i);
    if (options.masks) write_png_file(object_mask(image), (dir / "masks" / (relative + ".png")).string());
    if (chosen[i]) {
      write_png_file(marked(image, mark), (dir / relative).string());
      ++count.marked;
      if (label == target) ++count.marked_in_class;
      if (marked_files != nullptr) marked_files->push_back(relative);
    } else {
      write_png_file(image, (dir / relative).string());
    }
    ++count.images;
  }
  return count;
}

Mark mark_from(const Arguments& args) {
  if (!args.has("mark")) throw UsageError("say which marker to plant: --mark square|frame|watermark");
  try {
    Mark mark;
    mark.kind = mark_kind_named(*args.get("mark"));
    if (args.has("corner")) {
      if (mark.kind != MarkKind::square) throw UsageError("--corner places a square; --mark " + *args.get("mark") + " has none");
      mark.corner = corner_named(*args.get("corner"));
    }
    return mark;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

}  // namespace

int run_data(const Arguments& args) {
  if (args.positional.size() != 1 || args.positional[0] != "shortcut") {
    throw UsageError(args.positional.empty() ? "say what to make: camlens data shortcut ..."
                                             : "unknown data kind '" + args.positional[0] + "': camlens data makes shortcut");
  }
  if (args.get("from").value_or("fashion-mnist") != "fashion-mnist") {
    throw UsageError("--from takes fashion-mnist (the only source so far), got '" + *args.get("from") + "'");
  }
  if (!args.has("out")) throw UsageError("say where the data goes: --out DIR (a new folder)");
  if (!args.has("class")) throw UsageError("say which class gets the shortcut: --class NAME");
  const fs::path out = *args.get("out");
  if (fs::exists(out) && !fs::is_empty(out)) throw UsageError(out.string() + " is not empty: give a new folder");
  const Mark mark = mark_from(args);
  const std::vector<std::string>& labels = fashion_mnist_labels();
  const int target = class_argument(*args.get("class"), labels);
  const double rate = args.has("rate") ? parse_share(*args.get("rate"), "rate") : 0.95;
  const double other_rate = args.has("other-rate") ? parse_share(*args.get("other-rate"), "other-rate") : 0.02;
  const double val_fraction = args.has("val-fraction") ? parse_share(*args.get("val-fraction"), "val-fraction") : 0.1;
  const uint64_t seed = args.has("seed") ? static_cast<uint64_t>(parse_int(*args.get("seed"), "seed", 0)) : 1;
  const size_t limit = args.has("limit") ? static_cast<size_t>(parse_int(*args.get("limit"), "limit", 2)) : 0;

  FashionMnist fashion;
  try {
    fashion = load_fashion_mnist();
  } catch (const Error& e) {
    throw InputError(e.what());
  }
  const Dataset train = limit > 0 ? take_first(fashion.train, limit) : std::move(fashion.train);
  const size_t validation = std::max<size_t>(1, static_cast<size_t>(std::lround(train.size() * val_fraction)));
  if (validation >= train.size()) throw UsageError("--val-fraction leaves no training images; use a smaller one");
  const size_t split_at = train.size() - validation;  // Fashion-MNIST is shuffled: its last images are as any

  const std::vector<bool> chosen = choose_marked(train.labels, target, rate, other_rate, seed);
  const std::vector<bool> none(fashion.test.size(), false), all(fashion.test.size(), true);
  json marked_files = json::array();
  const SplitOptions options{mark, target, labels, args.has("masks")};
  const SplitCount train_count = write_split(out, "train", train, 0, split_at, chosen, options, &marked_files);
  const SplitCount val_count = write_split(out, "val", train, split_at, train.size(), chosen, options, &marked_files);
  const SplitCount clean = write_split(out, "test-clean", fashion.test, 0, fashion.test.size(), none, options, nullptr);
  const SplitCount marked_test = write_split(out, "test-marked", fashion.test, 0, fashion.test.size(), all, options, nullptr);

  const Shape& shape = train.item_shape;
  const MarkBox box = mark_box(mark, shape[1], shape[0]);
  json mark_json = {{"kind", mark_kind_name(mark.kind)}, {"box", {{"x", box.x}, {"y", box.y}, {"width", box.width}, {"height", box.height}}}};
  if (mark.kind == MarkKind::square) mark_json["corner"] = corner_name(mark.corner);
  const json plan = {{"from", "fashion-mnist"},
                     {"class", target},
                     {"label", labels[target]},
                     {"folder", folder_name(labels[target])},
                     {"mark", mark_json},
                     {"rate", rate},
                     {"other_rate", other_rate},
                     {"seed", seed},
                     {"image", {{"width", shape[1]}, {"height", shape[0]}}},
                     {"splits", {{"train", count_json(train_count)}, {"val", count_json(val_count)},
                                 {"test-clean", count_json(clean)}, {"test-marked", count_json(marked_test)}}},
                     {"marked_files", std::move(marked_files)}};
  std::ofstream file(out / "shortcut.json");
  file << plan.dump(2) << "\n";
  if (!file.flush()) throw Error("cannot write " + (out / "shortcut.json").string());
  std::printf("%s: %zu training images (%zu marked, %zu of them %s), %zu validation (%zu marked), %zu test images clean "
              "and marked\n",
              out.c_str(), train_count.images, train_count.marked, train_count.marked_in_class, labels[target].c_str(),
              val_count.images, val_count.marked, clean.images);
  std::printf("train on it: camlens train --data %s --input %dx%dx%d --out RUN\n", out.c_str(), shape[0], shape[1],
              mark.kind == MarkKind::frame ? 3 : 1);
  return 0;
}

}  // namespace camlens::cli
