#pragma once
// A dataset audit: every image of a folder of class subfolders explained by one model, where each
// map looks relative to the object measured (audit/attention.h), and per class the mean map, the
// shares, the flags (audit/class_attention.h) and SpRAy's clusters of its maps (audit/spray.h).
// Kind "audit" of docs/result.schema.json. Images are audited in batches and only their small
// maps kept, so memory grows by a few hundred bytes an image; a shard audits a fixed share of the
// files, and shards merge into the audit of them all.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/attention.h"
#include "audit/class_attention.h"
#include "audit/spray.h"
#include "explain/explainer.h"

namespace camlens::audit {

struct ImageAudit {
  std::string file;      // as listed: relative to the data folder
  int image_class = 0;   // the folder's class, or the predicted one when the folder matches no label
  bool matched = true;   // the folder's name is one of the model's labels
  int predicted = 0;
  float probability = 0.0f;  // of the predicted class
  double inside_share = 0.0;  // of the heat at the image's resolution, on the object's pixels
  double coverage = 0.0;      // the share of the image's pixels on the object
  bool pointing_hit = false;
  explain::Map map;  // at the layer's resolution, ReLU'd and scaled to a peak of 1
  Mask object;       // at the map's resolution, nearest pixel by cell centre
};

struct ClusterSummary {
  std::vector<size_t> members;  // indices into the class's images
  explain::Map mean_map;
};

struct ClassAudit {
  int class_index = 0;
  std::string label;
  std::vector<size_t> images;  // indices into Audit::images
  ClassAttention attention;
  std::vector<ClusterSummary> clusters;
};

struct SkippedImage {
  std::string file;
  std::string reason;
};

struct Audit {
  std::string model, data, method, layer;
  int shard_index = 0, shard_count = 1;
  std::vector<std::string> labels;
  std::vector<ImageAudit> images;  // sorted by file
  std::vector<SkippedImage> skipped;
  std::vector<ClassAudit> classes;  // flagged first, then by class index
};

// The folder name a label is written as: '/' cannot be in a name, so it becomes '-'.
std::string label_folder(const std::string& label);
// The class index of a folder name (exact, or as label_folder writes it); nullopt for none.
std::optional<int> class_of_folder(const std::string& folder, const std::vector<std::string>& labels);

// One image: its map (`method` at the request's layer, for the folder's class, or the predicted
// one) and where it looks. `object`: the object at the image's size; nullopt: its bright pixels.
ImageAudit audit_image(explain::Explainer& explainer, const explain::ViewRequest& request, const Image& image,
                       std::optional<int> folder_class, const std::optional<Mask>& object, float foreground_threshold);

// One image of a batch for audit_images.
struct AuditInput {
  std::string name;  // names the image in error messages (its file)
  Image image;       // RGB
  std::optional<int> folder_class;
  std::optional<Mask> object;  // at the image's size; nullopt: its bright pixels
};

// Whether audit_images can explain with `method`: the CAM family, whose maps come from the
// activations and gradients of one pass, so that a batch shares its passes.
bool audits_in_batches(const std::string& method);

// The audits audit_image gives, value for value, of a batch of images explained with one forward
// and one backward pass of them all: the model's layers run on many images far faster than on one
// at a time. Each image's crop is the model's default box of it. An Error about one image starts
// with its name.
std::vector<ImageAudit> audit_images(Model& model, const explain::ViewRequest& request, const std::vector<AuditInput>& inputs,
                                     float foreground_threshold);

struct SummaryOptions {
  FlagOptions flags;
  int cluster_side = 8;            // maps are averaged down to this many cells a side for SpRAy
  size_t most_clustered = 1000;    // a class's first this many images (by file) are clustered; the rest join the nearest
  SpectralOptions spectral;
  size_t examples = 12;            // files named per cluster in the JSON
};

// Fills audit.classes from audit.images (sorted first): what a merge of shards recomputes.
void summarise(Audit& audit, const SummaryOptions& options = {});

nlohmann::ordered_json audit_json(const Audit& audit, const SummaryOptions& options = {});
// Reads an audit (a shard's) back with its images, for merging; `source` names it in errors.
Audit audit_from_json(const nlohmann::json& document, const std::string& source);
// The shards as one audit (their images together; each file once), summarised again.
Audit merge_audits(std::vector<Audit> shards, const SummaryOptions& options = {});

}  // namespace camlens::audit
