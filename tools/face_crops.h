#pragma once
// Which box of a photo the model sees, for predict and explain: the pixels --crop gives, the
// model's metadata box, or a face BlazeFace finds (--crop face, the default for a model whose
// metadata says "crop": "face"), one face (--face K) or every face (--face all).
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "faces/face_detector.h"
#include "image/preprocess.h"
#include "io/metadata.h"

namespace camlens::cli {

struct CropRequest {
  enum class Kind { metadata, pixels, face, center, full };
  Kind kind = Kind::metadata;
  CropBox pixels;           // Kind::pixels
  int face = 0;             // --face K: faces are numbered best score first
  bool every_face = false;  // --face all
  bool face_given = false;  // --face was on the command line
};

// --crop x,y,w,h | face | center | full, and --face K | all; a UsageError when they make no sense.
CropRequest parse_crop_request(const Arguments& args);

// One box to explain: where it came from ("given", "face", "center", "full", "box"), and the face's
// index when it is a face's.
struct PlannedCrop {
  CropBox box;
  std::string source;
  int face = -1;
};

struct CropPlan {
  std::vector<PlannedCrop> crops;  // one, or one per face with --face all
  bool detected = false;           // the face detector ran: `faces` is its answer
  std::vector<Face> faces;
  std::vector<std::string> warnings;  // for the result and the terminal
};

// Plans crops, loading the face detector (models/blazeface) the first time a face is asked for.
class FaceCropper {
 public:
  // `find_detector` gives the detector's folder; it is called only when a face is asked for.
  explicit FaceCropper(std::function<std::filesystem::path()> find_detector) : find_detector_(std::move(find_detector)) {}
  // An Error when --face K names a face the image does not have.
  CropPlan plan(const CropRequest& request, const ModelMetadata& metadata, const Image& image);

 private:
  std::function<std::filesystem::path()> find_detector_;
  std::unique_ptr<FaceDetector> detector_;
};

// A FaceCropper whose detector is models/blazeface, found like the default model (cli.h's
// repository_model_json) when a face is first asked for.
FaceCropper face_cropper();

}  // namespace camlens::cli
