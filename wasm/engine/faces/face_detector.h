#pragma once
// Finds faces with BlazeFace (a TensorFlow.js graph model: models/blazeface), the way MediaPipe's
// face detection graph runs it:
//   1. letterbox  the whole image scaled to fit the model's square input (aspect ratio kept, bilinear
//                 with half-pixel centres), centred, the borders black; values v / 127.5 - 1 in [-1, 1];
//   2. forward    four outputs: per anchor a score logit and 16 regressors (box centre and size,
//                 six keypoints), for the stride input/16 grid and the stride input/8 grid;
//   3. decode     sigmoid scores (logits clipped to +-100); centres offset from the anchors
//                 (anchors.h), sizes and offsets in input pixels;
//   4. merge      weighted non-maximum suppression (nms.h);
//   5. map back   from the letterboxed input to the original image's pixels.
// The result is sorted by score, best first: face 0 is the most certain one.
#include <array>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "faces/anchors.h"
#include "faces/nms.h"
#include "graph/graph.h"
#include "image/image.h"
#include "io/weights.h"

namespace camlens {

// A face in the original image's pixels.
struct Face {
  float x = 0.0f, y = 0.0f, width = 0.0f, height = 0.0f;  // the box's top-left corner and size
  float score = 0.0f;                                     // 0..1
  std::array<Point2, 6> keypoints{};                      // in the order nms.h lists them
};

struct FaceDetectorOptions {
  float min_score = 0.75f;     // TensorFlow.js blazeface's default threshold
  float iou_threshold = 0.3f;  // overlaps above this merge into one face
};

// Where the image sits inside the model's square input.
struct Letterbox {
  int width = 0, height = 0;  // the scaled image's size
  int left = 0, top = 0;      // its offset in the input
  float scale = 1.0f;         // input pixels per image pixel
};

class FaceDetector {
 public:
  FaceDetector(std::string_view model_json, std::span<const ShardBytes> shards);
  // model.json and its shards in `folder`.
  static FaceDetector from_folder(const std::filesystem::path& folder);

  std::vector<Face> detect(const Image& image, const FaceDetectorOptions& options = {});

  // The steps of detect, for checks against another implementation.
  int input_size() const { return input_size_; }
  Letterbox letterbox(int image_width, int image_height) const;
  // [1, input, input, 3] in [-1, 1].
  Tensor input_for(const Image& image) const;
  // Per anchor, in anchor order: 17 values, the score logit then the 16 regressors.
  std::vector<float> raw_outputs(const Tensor& input);
  // Detections above min_score in fractions of the input, before suppression.
  std::vector<Detection> decode(const std::vector<float>& raw, float min_score) const;

 private:
  struct OutputPair {
    std::string scores, regressors;
    int anchors = 0;
  };
  void find_outputs();

  Graph graph_;
  int input_size_ = 0;
  std::vector<OutputPair> outputs_;  // the grid with more anchors first, as the anchors run
  std::vector<Anchor> anchors_;
};

}  // namespace camlens
