#include "face_crops.h"

#include <sstream>

#include "core/error.h"
#include "faces/face_crop.h"
#include "io/model_input.h"

namespace camlens::cli {

namespace {

constexpr const char* kNoFaceWarning =
    "no face found: this model expects a face (its crop is \"face\"), so it saw the centre square instead";

CropBox parse_pixels(const std::string& text) {
  std::vector<int> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, ',')) parts.push_back(parse_int(part, "crop", 0));
  if (parts.size() != 4 || text.back() == ',') {  // getline drops a trailing empty part
    throw UsageError("--crop needs x,y,w,h (four whole numbers in pixels), face, center or full, got '" + text + "'");
  }
  if (parts[2] < 1 || parts[3] < 1) throw UsageError("--crop needs a width and height of at least 1, got '" + text + "'");
  return {parts[0], parts[1], parts[2], parts[3]};
}

}  // namespace

FaceCropper face_cropper() {
  return FaceCropper([] { return repository_model_json("blazeface", "a face crop needs the face detector").parent_path(); });
}

CropRequest parse_crop_request(const Arguments& args) {
  CropRequest request;
  if (const std::optional<std::string> crop = args.get("crop")) {
    if (crop->empty()) throw UsageError("--crop needs x,y,w,h (four whole numbers in pixels), face, center or full, got nothing");
    if (*crop == "face") {
      request.kind = CropRequest::Kind::face;
    } else if (*crop == "center") {
      request.kind = CropRequest::Kind::center;
    } else if (*crop == "full") {
      request.kind = CropRequest::Kind::full;
    } else {
      request.kind = CropRequest::Kind::pixels;
      request.pixels = parse_pixels(*crop);
    }
  }
  if (const std::optional<std::string> face = args.get("face")) {
    request.face_given = true;
    if (*face == "all") {
      request.every_face = true;
    } else {
      request.face = parse_int(*face, "face", 0);
    }
    if (request.kind != CropRequest::Kind::metadata && request.kind != CropRequest::Kind::face) {
      throw UsageError("--face picks a detected face; it cannot go with --crop " + *args.get("crop"));
    }
  }
  return request;
}

CropPlan FaceCropper::plan(const CropRequest& request, const ModelMetadata& metadata, const Image& image) {
  using Kind = CropRequest::Kind;
  CropPlan plan;
  const int width = image.width(), height = image.height();
  const bool face_model = metadata.crop.mode == CropMode::face;
  Kind kind = request.kind;
  if (kind == Kind::metadata && (face_model || request.face_given)) kind = Kind::face;
  switch (kind) {
    case Kind::pixels: plan.crops.push_back({request.pixels, "given"}); return plan;
    case Kind::center: plan.crops.push_back({default_crop_box({CropMode::center}, width, height), "center"}); return plan;
    case Kind::full: plan.crops.push_back({{0, 0, width, height}, "full"}); return plan;
    case Kind::metadata: {
      const CropMode mode = metadata.crop.mode;
      const char* source = mode == CropMode::full ? "full" : mode == CropMode::box ? "box" : "center";
      plan.crops.push_back({default_crop_box(metadata.crop, width, height), source});
      return plan;
    }
    case Kind::face: break;
  }
  if (!detector_) detector_ = std::make_unique<FaceDetector>(FaceDetector::from_folder(find_detector_()));
  plan.detected = true;
  plan.faces = detector_->detect(image);
  if (plan.faces.empty()) {
    plan.warnings.push_back(kNoFaceWarning);
    plan.crops.push_back({default_crop_box({CropMode::center}, width, height), "center"});
    return plan;
  }
  if (request.every_face) {
    for (size_t i = 0; i < plan.faces.size(); ++i) {
      plan.crops.push_back({face_crop_box(plan.faces[i], width, height, metadata.crop.face_scale), "face", static_cast<int>(i)});
    }
    return plan;
  }
  if (request.face >= static_cast<int>(plan.faces.size())) {
    fail("--face ", request.face, ": only ", plan.faces.size(), " face(s) found, numbered from 0, best score first");
  }
  plan.crops.push_back({face_crop_box(plan.faces[request.face], width, height, metadata.crop.face_scale), "face", request.face});
  return plan;
}

}  // namespace camlens::cli
