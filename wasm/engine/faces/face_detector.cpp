#include "faces/face_detector.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "image/preprocess.h"
#include "io/graph_model.h"
#include "io/json_fields.h"

namespace camlens {

namespace {

constexpr int kRegressors = 16;  // box centre x, y, width, height, then six keypoints (x, y)
constexpr float kScoreClip = 100.0f;
constexpr uint64_t kMostModelJsonBytes = 64ull << 20;

Graph import_detector_graph(std::string_view model_json, std::span<const ShardBytes> shards) {
  const nlohmann::json model = json_fields::parse(model_json, "face detector model.json");
  const Weights weights = read_weights(json_fields::require(model, "weightsManifest", "model.json"), shards);
  return import_graph_model(model, weights);
}

float sigmoid(float logit) { return 1.0f / (1.0f + std::exp(-std::clamp(logit, -kScoreClip, kScoreClip))); }

}  // namespace

FaceDetector::FaceDetector(std::string_view model_json, std::span<const ShardBytes> shards)
    : graph_(import_detector_graph(model_json, shards)) {
  const Shape input = graph_.nodes().front().item_shape;  // a copy: nodes() returns a temporary
  if (input.rank() != 3 || input[0] != input[1] || input[2] != 3 || input[0] % 16 != 0) {
    fail("face detector: the model's input is ", input.str(), "; BlazeFace takes a square RGB image [S, S, 3], S a multiple of 16");
  }
  input_size_ = input[0];
  find_outputs();
  // BlazeFace's two grids: stride S/16 with 2 anchors a cell, and stride S/8 where three layers
  // share one grid (2 anchors each).
  const int fine = input_size_ / 16, coarse = input_size_ / 8;
  anchors_ = ssd_anchors({input_size_, input_size_, {fine, coarse, coarse, coarse}, 2, 0.5f});
  int total = 0;
  for (const OutputPair& pair : outputs_) total += pair.anchors;
  if (static_cast<size_t>(total) != anchors_.size()) {
    fail("face detector: the model scores ", total, " anchors; BlazeFace at ", input_size_, "x", input_size_, " has ",
         anchors_.size(), " (is this BlazeFace?)");
  }
}

FaceDetector FaceDetector::from_folder(const std::filesystem::path& folder) {
  const std::vector<uint8_t> bytes = read_file_bytes(folder / "model.json", kMostModelJsonBytes);
  const std::string text(bytes.begin(), bytes.end());
  const std::vector<ShardFile> files =
      read_shard_files(json_fields::require(json_fields::parse(text, "model.json"), "weightsManifest", "model.json"), folder);
  return FaceDetector(text, shard_views(files));
}

// The outputs are the nodes nobody reads: [A, 1] score logits and [A, 16] regressors per grid.
void FaceDetector::find_outputs() {
  const std::vector<NodeInfo> nodes = graph_.nodes();
  std::set<std::string> read;
  for (const NodeInfo& node : nodes) read.insert(node.inputs.begin(), node.inputs.end());
  std::map<int, OutputPair, std::greater<>> by_anchors;
  std::string found;
  size_t unread = 0;
  for (const NodeInfo& node : nodes) {
    if (read.count(node.name) != 0 || node.kind == "Input") continue;
    ++unread;
    found += (found.empty() ? "" : ", ") + node.name + " " + node.item_shape.str();
    const Shape& shape = node.item_shape;
    if (shape.rank() != 2 || (shape[1] != 1 && shape[1] != kRegressors)) continue;
    OutputPair& pair = by_anchors[shape[0]];
    pair.anchors = shape[0];
    (shape[1] == 1 ? pair.scores : pair.regressors) = node.name;
  }
  for (auto& [anchors, pair] : by_anchors) {
    if (!pair.scores.empty() && !pair.regressors.empty()) outputs_.push_back(pair);
  }
  if (outputs_.size() != 2 || unread != 4) {
    fail("face detector: BlazeFace has four outputs, [A, 1] scores and [A, 16] regressors for two anchor grids; "
         "this model's are ", found.empty() ? "none" : found);
  }
}

Letterbox FaceDetector::letterbox(int image_width, int image_height) const {
  Letterbox box;
  box.scale = static_cast<float>(input_size_) / static_cast<float>(std::max(image_width, image_height));
  box.width = std::clamp(static_cast<int>(std::lround(image_width * box.scale)), 1, input_size_);
  box.height = std::clamp(static_cast<int>(std::lround(image_height * box.scale)), 1, input_size_);
  box.left = (input_size_ - box.width) / 2;
  box.top = (input_size_ - box.height) / 2;
  return box;
}

Tensor FaceDetector::input_for(const Image& image) const {
  const Letterbox box = letterbox(image.width(), image.height());
  PreprocessSpec spec;
  spec.width = box.width;
  spec.height = box.height;
  spec.color = ColorMode::rgb;
  spec.scale = 2.0f;  // v / 255 * 2 - 1 = v / 127.5 - 1
  spec.offset = -1.0f;
  const Tensor scaled = preprocess_image(image, spec);
  Tensor input(Shape::nhwc(1, input_size_, input_size_, 3));
  input.fill(-1.0f);  // black borders
  for (int y = 0; y < box.height; ++y) {
    const float* row = scaled.data() + static_cast<size_t>(y) * box.width * 3;
    std::copy_n(row, static_cast<size_t>(box.width) * 3,
                input.data() + (static_cast<size_t>(y + box.top) * input_size_ + box.left) * 3);
  }
  return input;
}

std::vector<float> FaceDetector::raw_outputs(const Tensor& input) {
  ForwardOptions options;
  options.keep = std::vector<std::string>{};
  for (const OutputPair& pair : outputs_) {
    options.keep->push_back(pair.scores);
    options.keep->push_back(pair.regressors);
  }
  graph_.forward(input, options);
  std::vector<float> raw;
  raw.reserve(anchors_.size() * (kRegressors + 1));
  for (const OutputPair& pair : outputs_) {
    const Tensor& scores = graph_.activation(pair.scores);
    const Tensor& regressors = graph_.activation(pair.regressors);
    for (int a = 0; a < pair.anchors; ++a) {
      raw.push_back(scores[static_cast<size_t>(a)]);
      const float* r = regressors.data() + static_cast<size_t>(a) * kRegressors;
      raw.insert(raw.end(), r, r + kRegressors);
    }
  }
  return raw;
}

std::vector<Detection> FaceDetector::decode(const std::vector<float>& raw, float min_score) const {
  const float size = static_cast<float>(input_size_);
  std::vector<Detection> detections;
  for (size_t a = 0; a < anchors_.size(); ++a) {
    const float* r = raw.data() + a * (kRegressors + 1);
    const float score = sigmoid(r[0]);
    if (score < min_score) continue;
    const float cx = r[1] / size + anchors_[a].x, cy = r[2] / size + anchors_[a].y;
    const float half_w = r[3] / size / 2, half_h = r[4] / size / 2;
    Detection d{cx - half_w, cy - half_h, cx + half_w, cy + half_h, score, {}};
    for (size_t k = 0; k < d.keypoints.size(); ++k) {
      d.keypoints[k] = {r[5 + 2 * k] / size + anchors_[a].x, r[6 + 2 * k] / size + anchors_[a].y};
    }
    detections.push_back(d);
  }
  return detections;
}

std::vector<Face> FaceDetector::detect(const Image& image, const FaceDetectorOptions& options) {
  const Letterbox box = letterbox(image.width(), image.height());
  const std::vector<Detection> merged =
      weighted_non_max_suppression(decode(raw_outputs(input_for(image)), options.min_score), options.iou_threshold);
  const float size = static_cast<float>(input_size_);
  auto to_image = [&](float fx, float fy) {
    return Point2{(fx * size - box.left) / box.scale, (fy * size - box.top) / box.scale};
  };
  std::vector<Face> faces;
  for (const Detection& d : merged) {
    const Point2 top_left = to_image(d.x_min, d.y_min), bottom_right = to_image(d.x_max, d.y_max);
    Face face{top_left.x, top_left.y, bottom_right.x - top_left.x, bottom_right.y - top_left.y, d.score, {}};
    for (size_t k = 0; k < d.keypoints.size(); ++k) face.keypoints[k] = to_image(d.keypoints[k].x, d.keypoints[k].y);
    faces.push_back(face);
  }
  return faces;
}

}  // namespace camlens
