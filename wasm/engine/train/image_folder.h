#pragma once
// Training data from a folder of images, one subfolder per class (the layout of Keras's
// image_dataset_from_directory and torchvision's ImageFolder):
//   DIR/cat/1.png, DIR/dog/2.jpg, ...              a validation split is held out per class by seed
//   DIR/train/cat/..., DIR/val/cat/...             the folders give the split
// Class names are the subfolder names, sorted; labels are their positions. Files are read one at a
// time and only their resized bytes are kept, so a folder of N images takes N * H * W * C bytes plus
// one decoded image.
//
// Three steps, each usable alone so that the page (which lists and decodes files itself) and the
// CLI share the checks, the split and the pixels:
//   list_image_folder   the file system -> FolderListing (native and Node; the page builds its own)
//   plan_image_folder   checks the listing and holds out the validation files (no I/O)
//   ImageFolderBuilder  takes each planned file's decoded Image (or why it was skipped) in order
// load_image_folder runs all three with the engine's decoder.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "image/image.h"
#include "image/preprocess.h"
#include "train/dataset.h"

namespace camlens {

// Turns decoded images into a Dataset of items input_shape [H, W, C], C = 1 or 3: each image is
// resized and converted as preprocess_image does for a model's input (bilinear with half-pixel
// centres; gray = TensorFlow's luma weights; alpha dropped), so training sees the pixels explaining
// will, then rounded to bytes. It never touches the file system.
class DatasetBuilder {
 public:
  explicit DatasetBuilder(const Shape& input_shape);
  // Room for `images` items, so that adding them never reallocates.
  void reserve(size_t images);
  // Appends `image` (1, 3 or 4 channels, any size) with `label`.
  void add(const Image& image, int label);
  // Moves the last item to the end of `to` (same item shape).
  void move_last_to(DatasetBuilder& to);
  size_t size() const { return data_.size(); }
  const Dataset& dataset() const { return data_; }
  // The data set, leaving the builder empty.
  Dataset take();

 private:
  Dataset data_;
  PreprocessSpec spec_;
  Tensor resized_;  // one image at the input size, reused
};

// Files over this many bytes are skipped without being read.
inline constexpr std::uintmax_t kMaxImageFileBytes = 64u << 20;

enum class SkipReason { not_an_image, too_large, unreadable };
const char* skip_reason_name(SkipReason reason);  // "not an image", "too large", "unreadable"

struct SkippedFile {
  std::string file;
  SkipReason reason = SkipReason::unreadable;
  std::string detail;  // the decoder's message, or why the file was not read
};

struct ClassFiles {
  std::string name;
  std::vector<std::string> train;       // with a seeded split: every image of the class until planned
  std::vector<std::string> validation;  // DIR/val/<name>'s images, or the held-out ones once planned
};

struct FolderListing {
  std::string root;          // names the folder in messages
  bool split_given = false;  // DIR/train and DIR/val
  std::vector<ClassFiles> classes;
  std::vector<SkippedFile> skipped;  // files never read: other extensions, too many bytes
};

// Lists `dir`: class folders and their image files (searched recursively), sorted by name. Hidden
// files and folders (.DS_Store, .git) are ignored; files not named .png, .jpg, .jpeg, .gif or .bmp,
// and files over `max_file_bytes`, are skipped. Errors: `dir` missing or not a folder, DIR/train
// without DIR/val or the reverse.
FolderListing list_image_folder(const std::string& dir, std::uintmax_t max_file_bytes = kMaxImageFileBytes);

struct SplitOptions {
  double validation_fraction = 0.1;  // of each class, in (0, 1)
  std::uint64_t seed = 1;
};

// The positions (sorted) of the images held out for validation among `count` sorted images of the
// class `class_name`: round(count * fraction), at least 1 and at most count - 1, none when count < 2.
// Each class draws from its own seeded stream, so one class's choice depends on nothing else.
std::vector<size_t> validation_positions(size_t count, const std::string& class_name, const SplitOptions& options);

// Checks `listing` and, unless the folder gives the split, moves each class's held-out files from
// train to validation. Sorts classes and files first, so the plan does not depend on the order the
// files were listed in. Errors: fewer than two classes, a class named twice, a class without image
// files, a class of one image to split.
void plan_image_folder(FolderListing& listing, const SplitOptions& options = {});

struct ClassCount {
  std::string name;
  size_t train = 0;
  size_t validation = 0;
  size_t skipped = 0;
};

struct ImageFolder {
  std::vector<std::string> classes;  // label i is classes[i]
  Dataset train;
  Dataset validation;
  std::vector<std::string> validation_files;  // validation item i came from validation_files[i]
  std::vector<ClassCount> counts;             // one per class
  std::vector<SkippedFile> skipped;
  bool split_given = false;
};

// The first validation item of each class, in label order: the default probe images.
std::vector<size_t> first_validation_items(const ImageFolder& folder);

// Fills the train and validation sets from a planned listing, one file at a time in the order
// next_file() gives (class by class, by name):
//   for (ImageFolderBuilder b(listing, shape); !b.done();) b.add(decode(b.next_file()))  (or b.skip)
// When a class's last file is in, a seeded split that lost a side to unreadable files gets one image
// back from the other side, so every class with two readable images has both.
class ImageFolderBuilder {
 public:
  ImageFolderBuilder(FolderListing planned, const Shape& input_shape);
  bool done() const { return next_ == plan_.size(); }
  const std::string& next_file() const;
  size_t files_done() const { return next_; }
  size_t files_total() const { return plan_.size(); }
  void add(const Image& image);
  void skip(SkipReason reason, std::string detail);
  // Errors: no file readable at all; a class left without a readable training or validation image.
  ImageFolder finish();

 private:
  struct PlannedFile {
    std::string file;
    int label = 0;
    bool validation = false;
    bool last_of_class = false;
  };
  const PlannedFile& next_planned() const;
  void advance();
  void end_class(int label);

  std::string root_;
  bool split_given_ = false;
  std::vector<std::string> classes_;
  std::vector<SkippedFile> skipped_;
  std::vector<PlannedFile> plan_;
  size_t next_ = 0;
  DatasetBuilder train_, validation_;
  std::vector<std::string> class_train_files_;  // the current class's, to move one to validation
  std::vector<std::string> validation_files_;
  std::vector<ClassCount> counts_;
  std::vector<std::string> first_skip_;  // per class: its first skipped file and why, for messages
};

// Thrown when ImageFolderOptions::cancelled says so.
class LoadCancelled : public Error {
 public:
  using Error::Error;
};

struct ImageFolderOptions {
  SplitOptions split;
  std::uintmax_t max_file_bytes = kMaxImageFileBytes;
  std::function<void(size_t done, size_t total)> on_progress;  // after each file
  std::function<bool()> cancelled;                             // before each file
};

// Lists, plans and decodes `dir` into items `input_shape` [H, W, C]. Unreadable files, other formats
// and oversized files are skipped and reported in the result.
ImageFolder load_image_folder(const std::string& dir, const Shape& input_shape, const ImageFolderOptions& options = {});

}  // namespace camlens
