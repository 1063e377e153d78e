// camlens audit: every image of a folder of class subfolders explained by one model; per image,
// the share of the map's energy on the object and the pointing game; per class, the mean map,
// SpRAy's clusters and a flag where the class looks off the object or at one fixed region. Writes
// OUT/audit.json (kind "audit") and OUT/report.html. --shard I/N audits a fixed share of the files; --merge joins the
// shards' audits into the audit of them all.
#include "audit_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "audit/audit.h"
#include "audit/report.h"
#include "core/error.h"
#include "explain/explainer.h"
#include "image/channels.h"
#include "image/decode.h"
#include "io/json_fields.h"
#include "io/model.h"
#include "io/weights.h"
#include "kernels/parallel.h"
#include "train/image_folder.h"

namespace camlens::cli {

namespace fs = std::filesystem;

const char* const kAuditHelp = R"(Usage: camlens audit --model DIR --data DIR --out OUT [options]
       camlens audit --merge OUT1 OUT2 ... --out OUT

Explains every image of a folder with one subfolder per class (a / in a label is written - in a
folder name; images in a folder that matches no label are audited under their predicted class) and
finds where each class really looks: per image, the share of the map's positive energy on the
object and whether the map's peak lands on it; per class, the mean map, clusters of its maps
(Spectral Relevance Analysis) and a flag when the class looks mostly off the object, or at one small
region off the object that stays put from image to image (a shortcut: a marker, a watermark, a
background). Writes OUT/audit.json (docs/result.schema.json, kind audit) and OUT/report.html, a
page that opens offline: flagged classes first, mean maps, clusters and their example images.

The object:
  --masks DIR         a mask per image at DIR/<the image's path>.png (white on the object), the
                      image's size
  --boxes FILE        JSON {"<the image's path>": {"x", "y", "width", "height"}, ...} in pixels
  (neither)           the image's bright pixels: for a light object on a dark background, as
                      Fashion-MNIST; --foreground F sets what counts as bright (default 0.15 of the
                      brightest)

Options:
  --model DIR         the model (default: models/emotion)
  --metadata FILE     a metadata.json to use instead of the one beside the model
  --labels FILE       class labels, one per line in the model's order (they name the class folders)
  --method NAME       the maps' method (default grad-cam), at --layer (default: the model's)
  --shard I/N         audit shard I of N (1 to N): every Nth file of the sorted list, from the Ith;
                      merge the N outputs with --merge
  --threads N         default %THREADS%

Exit codes: 0 done, 1 failed, 2 bad command line, 3 unreadable model, data, masks or boxes.
)";

const std::vector<OptionSpec>& audit_option_specs() {
  static const std::vector<OptionSpec> specs{
      {"model", true},  {"data", true},       {"out", true},   {"masks", true},       {"boxes", true},
      {"foreground", true}, {"method", true}, {"layer", true}, {"shard", true},       {"merge", true, true},
      {"threads", true}, {"metadata", true},   {"labels", true},
  };
  return specs;
}

namespace {

constexpr uint64_t kMostAuditBytes = 1ull << 30;
constexpr uint64_t kMostBoxesBytes = 256ull << 20;
// Images explained together: enough for the layers to run at full speed, few enough to stay small,
// and fewer when they are big photos (kept whole until their batch is explained).
constexpr size_t kAuditBatch = 64;
constexpr size_t kMostBatchPixels = size_t{1} << 25;
constexpr size_t kReadTogether = 8;  // files decoded at once, one per thread

struct Shard {
  int index = 0, count = 1;  // 0-based index
};

Shard parse_shard(const std::string& text) {
  int index = 0, count = 0;
  char slash = 0, extra = 0;
  std::istringstream in(text);
  if (!(in >> index >> slash >> count) || in >> extra || slash != '/' || count < 1 || index < 1 || index > count) {
    throw UsageError("--shard needs I/N with 1 <= I <= N (e.g. 3/8), got '" + text + "'");
  }
  return {index - 1, count};
}

float parse_fraction(const std::string& text, std::string_view option) {
  std::istringstream in(text);
  float value = 0.0f;
  char extra = 0;
  if (!(in >> value) || in >> extra || !(value > 0.0f && value < 1.0f)) {
    throw UsageError("--" + std::string(option) + " needs a number between 0 and 1, got '" + text + "'");
  }
  return value;
}

nlohmann::json read_json_file(const fs::path& path, uint64_t most, const std::string& what) {
  try {
    const std::vector<uint8_t> bytes = read_file_bytes(path, most + 1);
    if (bytes.size() > most) throw InputError(path.string() + " is over " + std::to_string(most >> 20) + " MB: is it the " + what + "?");
    return json_fields::parse({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, path.string());
  } catch (const Error& e) {
    throw InputError(e.what());
  }
}

void write_json(const fs::path& path, const nlohmann::ordered_json& document) {
  const fs::path partial = path.string() + ".partial";
  {
    std::ofstream file(partial);
    file << document.dump() << "\n";
    if (!file.flush()) throw Error("cannot write " + partial.string() + ": is the disk full or the folder read-only?");
  }
  fs::rename(partial, path);
}

struct AuditFile {
  std::string relative;  // to the data folder, with '/'
  std::string folder;    // its class folder's name
};

// Every image of every class folder, sorted: the order shards split.
std::vector<AuditFile> audit_files(const fs::path& data, std::vector<audit::SkippedImage>& skipped) {
  FolderListing listing;
  try {
    listing = list_image_folder(data.string());
  } catch (const Error& e) {
    throw InputError(e.what());
  }
  std::vector<AuditFile> files;
  for (const ClassFiles& c : listing.classes) {
    for (const auto* list : {&c.train, &c.validation}) {
      for (const std::string& file : *list) files.push_back({fs::relative(file, data).generic_string(), c.name});
    }
  }
  for (const SkippedFile& s : listing.skipped) {
    skipped.push_back({fs::relative(s.file, data).generic_string(), skip_reason_name(s.reason)});
  }
  std::sort(files.begin(), files.end(), [](const AuditFile& a, const AuditFile& b) { return a.relative < b.relative; });
  if (files.empty()) throw InputError(data.string() + " holds no images in class subfolders");
  return files;
}

audit::Mask mask_from_image(const Image& image) {
  audit::Mask mask(image.height(), image.width());
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) mask.inside[static_cast<size_t>(y) * image.width() + x] = image.pixel(x, y)[0] >= 128;
  return mask;
}

// The object of `file` from --masks or --boxes; nullopt: its bright pixels.
std::optional<audit::Mask> object_of(const Arguments& args, const nlohmann::json& boxes, const AuditFile& file,
                                     const Image& image) {
  if (args.has("masks")) {
    const fs::path path = fs::path(*args.get("masks")) / (file.relative + ".png");
    if (!fs::exists(path)) throw InputError("no mask for " + file.relative + ": expected " + path.string());
    Image mask;
    try {
      mask = decode_image_file(path.string(), DecodeOptions{1});
    } catch (const Error& e) {
      throw InputError("the mask " + path.string() + " cannot be read: " + e.what());
    }
    if (mask.width() != image.width() || mask.height() != image.height()) {
      throw InputError("the mask " + path.string() + " is " + std::to_string(mask.width()) + "x" +
                       std::to_string(mask.height()) + " but its image " + std::to_string(image.width()) + "x" +
                       std::to_string(image.height()) + ": a mask has its image's size");
    }
    return mask_from_image(mask);
  }
  if (args.has("boxes")) {
    const auto it = boxes.find(file.relative);
    if (it == boxes.end()) throw InputError(*args.get("boxes") + " has no box for " + file.relative);
    const std::string where = *args.get("boxes") + ": " + file.relative;
    const audit::Box box{json_fields::as_int(json_fields::require(*it, "x", where), where),
                         json_fields::as_int(json_fields::require(*it, "y", where), where),
                         json_fields::as_int(json_fields::require(*it, "width", where), where),
                         json_fields::as_int(json_fields::require(*it, "height", where), where)};
    return audit::box_mask(box, image.width(), image.height(), {image.height(), image.width()});
  }
  return std::nullopt;
}

// An image of the audit as read: its pixels (RGB) and object, or why it is skipped, or the failure
// that stops the audit (a missing mask, a box file without it).
struct ReadImage {
  Image rgb;
  std::optional<audit::Mask> object;
  std::string unreadable;
  std::exception_ptr failure;
};

ReadImage read_image(const Arguments& args, const nlohmann::json& boxes, const fs::path& data, const AuditFile& file) {
  ReadImage read;
  Image image;
  try {
    image = decode_image_file((data / file.relative).string());
  } catch (const Error& e) {
    read.unreadable = e.what();
    return read;
  }
  try {
    read.object = object_of(args, boxes, file, image);
    read.rgb = to_rgb(image);
  } catch (...) {
    read.failure = std::current_exception();
  }
  return read;
}

// report.html beside audit.json: the images are read again from the data folder the audit names.
void write_report(const fs::path& out, const audit::Audit& audit) {
  const fs::path data = audit.data;
  const std::string html = audit::audit_report_html(audit, [&](const std::string& file) {
    try {
      return decode_image_file((data / file).string());
    } catch (const Error&) {
      return Image();  // moved or unreadable since: the report shows the map alone
    }
  });
  const fs::path partial = out / "report.html.partial";
  {
    std::ofstream stream(partial, std::ios::binary);
    stream << html;
    if (!stream.flush()) throw Error("cannot write " + partial.string() + ": is the disk full or the folder read-only?");
  }
  fs::rename(partial, out / "report.html");
}

void print_summary(const audit::Audit& audit) {
  for (const audit::ClassAudit& c : audit.classes) {
    std::printf("  %-20s %6zu images  on the object %3.0f%% (median)  %zu cluster(s)%s%s\n", c.label.c_str(), c.images.size(),
                100.0 * c.attention.median_share, c.clusters.size(), c.attention.flagged ? "  FLAGGED: " : "",
                c.attention.reason.c_str());
  }
  if (!audit.skipped.empty()) std::printf("skipped %zu file(s), e.g. %s (%s)\n", audit.skipped.size(),
                                          audit.skipped.front().file.c_str(), audit.skipped.front().reason.c_str());
}

int run_merge(const Arguments& args, const fs::path& out) {
  std::vector<audit::Audit> shards;
  for (const std::string& folder : args.get_all("merge")) {
    const fs::path path = fs::path(folder) / "audit.json";
    if (!fs::exists(path)) throw InputError(path.string() + " does not exist: --merge takes the OUT folders of camlens audit --shard");
    try {
      shards.push_back(audit::audit_from_json(read_json_file(path, kMostAuditBytes, "audit.json of camlens audit"), path.string()));
    } catch (const Error& e) {
      throw InputError(e.what());
    }
  }
  audit::Audit merged;
  try {
    merged = audit::merge_audits(std::move(shards));
  } catch (const Error& e) {
    throw InputError(e.what());
  }
  fs::create_directories(out);
  write_json(out / "audit.json", audit::audit_json(merged));
  write_report(out, merged);
  print_summary(merged);
  std::printf("merged %zu images into %s and report.html\n", merged.images.size(), (out / "audit.json").c_str());
  return 0;
}

}  // namespace

int run_audit(const Arguments& args) {
  if (!args.positional.empty()) throw UsageError("unexpected argument '" + args.positional.front() + "'");
  if (!args.has("out")) throw UsageError("say where the audit goes: --out OUT");
  const fs::path out = *args.get("out");
  if (args.has("merge")) return run_merge(args, out);
  if (!args.has("data")) throw UsageError("say which images to audit: --data DIR (one subfolder per class)");
  if (args.has("masks") && args.has("boxes")) throw UsageError("give the objects as --masks or as --boxes, not both");
  const Shard shard = args.has("shard") ? parse_shard(*args.get("shard")) : Shard{};
  const float foreground = args.has("foreground") ? parse_fraction(*args.get("foreground"), "foreground") : 0.15f;
  const nlohmann::json boxes =
      args.has("boxes") ? read_json_file(*args.get("boxes"), kMostBoxesBytes, "boxes file") : nlohmann::json::object();
  if (!boxes.is_object()) throw InputError(*args.get("boxes") + " must be a JSON object of boxes by image path");

  const fs::path data = *args.get("data");
  audit::Audit audit;
  std::vector<AuditFile> files = audit_files(data, audit.skipped);
  const fs::path model_path = fs::is_directory(args.get("model").value_or("models/emotion"))
                                  ? fs::path(args.get("model").value_or("models/emotion")) / "model.json"
                                  : fs::path(*args.get("model"));
  Model model;
  try {
    model = load_model_file(model_path, model_sidecars(args));
  } catch (const Error& e) {
    throw InputError("--model " + model_path.string() + ": " + e.what());
  }
  audit.model = model_path.string();
  audit.data = fs::absolute(data).lexically_normal().string();
  audit.method = args.get("method").value_or("grad-cam");
  audit.labels = model.metadata.labels;
  audit.shard_index = shard.index;
  audit.shard_count = shard.count;
  const std::string model_layer = model.metadata.explain_layer;
  // The CAM family explains a batch of images with one pass of them all; other methods run passes
  // of their own for each image, through an Explainer.
  const bool batched = audit::audits_in_batches(audit.method);
  std::optional<explain::Explainer> explainer;
  if (!batched) explainer.emplace(std::move(model));
  explain::ViewRequest request;
  request.methods = {{audit.method, nullptr}};
  request.layer = args.get("layer").value_or("");

  const bool interactive = isatty(STDERR_FILENO);
  size_t done = 0, mine = 0;
  for (size_t i = 0; i < files.size(); ++i) mine += static_cast<int>(i % shard.count) == shard.index;
  const auto explained = [&](audit::ImageAudit result, const std::string& file) {
    result.file = file;
    if (audit.layer.empty()) audit.layer = model_layer;
    audit.images.push_back(std::move(result));
    if (interactive && (++done % 20 == 0 || done == mine)) std::fprintf(stderr, "\rexplained %zu/%zu", done, mine);
  };
  std::vector<audit::AuditInput> batch;
  size_t batch_pixels = 0;
  const auto audit_batch = [&] {
    std::vector<audit::ImageAudit> results = audit::audit_images(model, request, batch, foreground);
    for (size_t b = 0; b < batch.size(); ++b) explained(std::move(results[b]), batch[b].name);
    batch.clear();
    batch_pixels = 0;
  };
  std::vector<size_t> shard_files;
  for (size_t i = 0; i < files.size(); ++i) {
    if (static_cast<int>(i % shard.count) == shard.index) shard_files.push_back(i);
  }
  for (size_t start = 0; start < shard_files.size(); start += kReadTogether) {
    std::vector<ReadImage> reads(std::min(kReadTogether, shard_files.size() - start));
    // Each file decodes on its own: the files read together share the threads.
    kernels::parallel_for(reads.size(), [&](size_t r) { reads[r] = read_image(args, boxes, data, files[shard_files[start + r]]); });
    for (size_t r = 0; r < reads.size(); ++r) {
      const AuditFile& file = files[shard_files[start + r]];
      ReadImage& read = reads[r];
      if (read.failure) std::rethrow_exception(read.failure);
      if (!read.unreadable.empty()) {
        audit.skipped.push_back({file.relative, read.unreadable});
        continue;
      }
      const std::optional<int> folder_class = audit::class_of_folder(file.folder, audit.labels);
      if (!batched) {
        try {
          explained(audit::audit_image(*explainer, request, read.rgb, folder_class, read.object, foreground), file.relative);
        } catch (const Error& e) {
          throw Error(file.relative + ": " + e.what());
        }
        continue;
      }
      batch_pixels += static_cast<size_t>(read.rgb.width()) * read.rgb.height();
      batch.push_back({file.relative, std::move(read.rgb), folder_class, std::move(read.object)});
      if (batch.size() == kAuditBatch || batch_pixels >= kMostBatchPixels) audit_batch();
    }
  }
  if (!batch.empty()) audit_batch();
  if (interactive) std::fprintf(stderr, "\r\033[K");
  if (audit.images.empty()) throw InputError("no image of " + data.string() + " could be read" +
                                             (shard.count > 1 ? " in this shard" : ""));
  if (!request.layer.empty()) audit.layer = request.layer;
  audit::summarise(audit);
  fs::create_directories(out);
  write_json(out / "audit.json", audit::audit_json(audit));
  write_report(out, audit);
  print_summary(audit);
  std::printf("wrote %s and report.html (%zu images)\n", (out / "audit.json").c_str(), audit.images.size());
  return 0;
}

}  // namespace camlens::cli
