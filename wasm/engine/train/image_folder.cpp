#include "train/image_folder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <set>
#include <system_error>
#include <utility>

#include "image/decode.h"
#include "train/random.h"

namespace camlens {

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSplitStream = 0x56414C53504C4954ull;  // "VALSPLIT"

Shape checked_input_shape(const Shape& shape) {
  if (shape.rank() != 3 || shape[0] < 1 || shape[1] < 1 || (shape[2] != 1 && shape[2] != 3)) {
    fail("the input shape of a training image must be [height, width, channels] with channels 1 (gray) or 3 (RGB),",
         " got ", shape.str());
  }
  return shape;
}

std::uint8_t unit_to_byte(float value) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(value, 0.0f, 1.0f) * 255.0f));
}

// FNV-1a: a class's split stream follows from its name alone.
std::uint64_t name_hash(const std::string& name) {
  std::uint64_t hash = 0xCBF29CE484222325ull;
  for (const char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  return hash;
}

std::string joined(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& name : names) quoted.push_back("'" + name + "'");
  return joined(quoted, ", ");
}

std::string path_in(const std::string& root, const std::string& name) {
  return root.empty() ? name : (fs::path(root) / name).string();
}

// Where a class's images were found, for messages.
std::string class_folder(const FolderListing& listing, const std::string& name, const char* subset) {
  return listing.split_given ? path_in(path_in(listing.root, subset), name) : path_in(listing.root, name);
}

bool is_hidden(const fs::path& path) { return path.filename().string().starts_with("."); }

bool has_image_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".gif" ||
         extension == ".bmp";
}

// The visible subfolders of `folder`, sorted by name.
std::vector<std::string> subfolder_names(const fs::path& folder) {
  std::error_code error;
  std::vector<std::string> names;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    if (!is_hidden(it->path()) && it->is_directory(error)) names.push_back(it->path().filename().string());
  }
  if (error) fail("cannot read the folder '", folder.string(), "': ", error.message());
  std::sort(names.begin(), names.end());
  return names;
}

// The image files under `folder` (recursively), sorted; other files go to `skipped`.
std::vector<std::string> image_files(const fs::path& folder, std::uintmax_t max_file_bytes,
                                     std::vector<SkippedFile>& skipped) {
  std::error_code error;
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, error);
  for (fs::recursive_directory_iterator end; !error && it != end; it.increment(error)) {
    const fs::path& path = it->path();
    if (is_hidden(path)) {
      if (it->is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(error)) continue;
    if (!it->is_regular_file(error)) {
      skipped.push_back({path.string(), SkipReason::unreadable, "not a regular file (a broken link or a device)"});
    } else if (!has_image_extension(path)) {
      skipped.push_back(
          {path.string(), SkipReason::not_an_image, "its name does not end in .png, .jpg, .jpeg, .gif or .bmp"});
    } else if (const std::uintmax_t bytes = it->file_size(error); error) {
      skipped.push_back({path.string(), SkipReason::unreadable, "cannot read its size: " + error.message()});
      error.clear();
    } else if (bytes > max_file_bytes) {
      skipped.push_back({path.string(), SkipReason::too_large,
                         std::to_string(bytes) + " bytes, over the limit of " + std::to_string(max_file_bytes) +
                             "; downscale it or remove it"});
    } else {
      files.push_back(path.string());
    }
  }
  if (error) fail("cannot read the folder '", folder.string(), "': ", error.message());
  std::sort(files.begin(), files.end());
  return files;
}

void check_same_classes(const std::string& dir, const std::vector<std::string>& train,
                        const std::vector<std::string>& validation) {
  if (train == validation) return;
  std::vector<std::string> only_train, only_validation;
  std::set_difference(train.begin(), train.end(), validation.begin(), validation.end(), std::back_inserter(only_train));
  std::set_difference(validation.begin(), validation.end(), train.begin(), train.end(),
                      std::back_inserter(only_validation));
  std::string differences;
  if (!only_train.empty()) differences += quoted_list(only_train) + " only in train/";
  if (!only_validation.empty()) {
    differences += (differences.empty() ? "" : ", ") + quoted_list(only_validation) + " only in val/";
  }
  fail("'", dir, "': train/ and val/ must hold the same class folders, but ", differences,
       "; add or remove class folders so that both list the same classes");
}

void check_classes(const FolderListing& listing) {
  const std::string root = listing.root.empty() ? "the data folder" : "'" + listing.root + "'";
  const char* where = listing.split_given ? " (in train/ and val/)" : "";
  if (listing.classes.empty()) {
    fail(root, " holds no class folders", where, "; put each class's images in a subfolder named after the class,",
         " e.g. cat/1.png and dog/1.png");
  }
  if (listing.classes.size() == 1) {
    fail(root, " holds one class folder ('", listing.classes[0].name, "')", where,
         "; a classifier needs at least two: add a subfolder of images for each other class");
  }
  for (size_t i = 1; i < listing.classes.size(); ++i) {
    if (listing.classes[i].name == listing.classes[i - 1].name) {
      fail(root, " lists the class '", listing.classes[i].name, "' twice");
    }
  }
  std::vector<std::string> empty;
  for (const ClassFiles& files : listing.classes) {
    if (files.train.empty()) empty.push_back(class_folder(listing, files.name, "train"));
    if (listing.split_given && files.validation.empty()) empty.push_back(class_folder(listing, files.name, "val"));
  }
  if (!empty.empty()) {
    fail(empty.size() == 1 ? "the class folder " : "the class folders ", quoted_list(empty),
         empty.size() == 1 ? " holds" : " hold", " no PNG, JPEG, GIF or BMP images",
         listing.skipped.empty() ? "" : " (see the skipped files)",
         empty.size() == 1 ? "; add images to it, or remove the folder if it is not a class"
                           : "; add images to each, or remove the folders that are not classes");
  }
  if (listing.split_given) return;
  for (const ClassFiles& files : listing.classes) {
    if (!files.validation.empty()) fail("plan_image_folder: the listing of ", root, " is planned already");
    if (files.train.size() == 1) {
      fail("the class '", files.name, "' has only 1 image; holding out validation images needs at least 2 in each",
           " class: add images to '", class_folder(listing, files.name, ""), "', or give train/ and val/ folders");
    }
  }
}

}  // namespace

DatasetBuilder::DatasetBuilder(const Shape& input_shape) : data_(empty_dataset(checked_input_shape(input_shape))) {
  spec_.height = input_shape[0];
  spec_.width = input_shape[1];
  spec_.color = input_shape[2] == 1 ? ColorMode::gray : ColorMode::rgb;
}

void DatasetBuilder::reserve(size_t images) {
  data_.pixels.reserve(images * data_.item_bytes());
  data_.labels.reserve(images);
}

void DatasetBuilder::add(const Image& image, int label) {
  if (label < 0) fail("DatasetBuilder::add: the label must be >= 0, got ", label);
  preprocess_image(resized_, image, spec_);
  const size_t start = data_.pixels.size();
  data_.pixels.resize(start + data_.item_bytes());
  std::transform(resized_.values().begin(), resized_.values().end(),
                 data_.pixels.begin() + static_cast<std::ptrdiff_t>(start), unit_to_byte);
  data_.labels.push_back(label);
}

void DatasetBuilder::move_last_to(DatasetBuilder& to) {
  if (data_.size() == 0) fail("DatasetBuilder::move_last_to: there is no item to move");
  if (to.data_.item_shape != data_.item_shape) {
    fail("DatasetBuilder::move_last_to: items ", data_.item_shape.str(), " cannot join items ",
         to.data_.item_shape.str());
  }
  const std::span<const std::uint8_t> last = data_.item(data_.size() - 1);
  to.data_.pixels.insert(to.data_.pixels.end(), last.begin(), last.end());
  to.data_.labels.push_back(data_.labels.back());
  data_.pixels.resize(data_.pixels.size() - last.size());
  data_.labels.pop_back();
}

Dataset DatasetBuilder::take() {
  Dataset out = std::move(data_);
  data_ = empty_dataset(out.item_shape);
  return out;
}

const char* skip_reason_name(SkipReason reason) {
  switch (reason) {
    case SkipReason::not_an_image: return "not an image";
    case SkipReason::too_large: return "too large";
    case SkipReason::unreadable: return "unreadable";
  }
  return "unreadable";
}

FolderListing list_image_folder(const std::string& dir, std::uintmax_t max_file_bytes) {
  std::error_code error;
  const fs::path root(dir);
  if (!fs::exists(root, error)) {
    fail("the data folder '", dir, "' does not exist; give a folder that holds one subfolder of images per class");
  }
  if (!fs::is_directory(root, error)) {
    fail("'", dir, "' is a file, not a folder; give the folder that holds one subfolder of images per class");
  }
  FolderListing listing;
  listing.root = dir;
  const std::vector<std::string> subfolders = subfolder_names(root);
  const bool has_train = std::binary_search(subfolders.begin(), subfolders.end(), "train");
  const bool has_validation = std::binary_search(subfolders.begin(), subfolders.end(), "val");
  if (has_train != has_validation) {
    const char* present = has_train ? "train" : "val";
    const char* missing = has_train ? "val" : "train";
    fail("'", dir, "' has a ", present, "/ folder but no ", missing, "/ folder; add '", path_in(dir, missing),
         "' with the same class folders, or put the class folders directly in '", dir, "'");
  }
  if (has_train) {
    listing.split_given = true;
    const std::vector<std::string> classes = subfolder_names(root / "train");
    check_same_classes(dir, classes, subfolder_names(root / "val"));
    for (const std::string& name : classes) {
      listing.classes.push_back({name, image_files(root / "train" / name, max_file_bytes, listing.skipped),
                                 image_files(root / "val" / name, max_file_bytes, listing.skipped)});
    }
  } else {
    for (const std::string& name : subfolders) {
      listing.classes.push_back({name, image_files(root / name, max_file_bytes, listing.skipped), {}});
    }
  }
  return listing;
}

std::vector<size_t> validation_positions(size_t count, const std::string& class_name, const SplitOptions& options) {
  if (!(options.validation_fraction > 0.0 && options.validation_fraction < 1.0)) {
    fail("the validation fraction must lie between 0 and 1 (e.g. 0.1 for 10%), got ", options.validation_fraction);
  }
  if (count < 2) return {};
  const auto wanted = static_cast<size_t>(std::llround(static_cast<double>(count) * options.validation_fraction));
  const size_t held_out = std::clamp<size_t>(wanted, 1, count - 1);
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  SeededRandom random(options.seed ^ kSplitStream ^ name_hash(class_name));
  random.shuffle(order);
  order.resize(held_out);
  std::sort(order.begin(), order.end());
  return order;
}

void plan_image_folder(FolderListing& listing, const SplitOptions& options) {
  std::sort(listing.classes.begin(), listing.classes.end(),
            [](const ClassFiles& a, const ClassFiles& b) { return a.name < b.name; });
  for (ClassFiles& files : listing.classes) {
    std::sort(files.train.begin(), files.train.end());
    std::sort(files.validation.begin(), files.validation.end());
  }
  check_classes(listing);
  if (listing.split_given) return;
  for (ClassFiles& files : listing.classes) {
    const std::vector<size_t> held_out = validation_positions(files.train.size(), files.name, options);
    std::vector<std::string> kept;
    size_t next_held_out = 0;
    for (size_t i = 0; i < files.train.size(); ++i) {
      const bool hold = next_held_out < held_out.size() && held_out[next_held_out] == i;
      (hold ? files.validation : kept).push_back(std::move(files.train[i]));
      next_held_out += hold;
    }
    files.train = std::move(kept);
  }
}

std::vector<size_t> first_validation_items(const ImageFolder& folder) {
  return first_of_each_class(folder.validation, folder.classes.size());
}

ImageFolderBuilder::ImageFolderBuilder(FolderListing planned, const Shape& input_shape)
    : root_(std::move(planned.root)),
      split_given_(planned.split_given),
      skipped_(std::move(planned.skipped)),
      train_(input_shape),
      validation_(input_shape) {
  if (planned.classes.size() < 2) {
    fail("ImageFolderBuilder: the listing holds fewer than two classes; plan it first (plan_image_folder)");
  }
  size_t train_files = 0, validation_files = 0;
  for (ClassFiles& files : planned.classes) {
    if (files.train.empty() || files.validation.empty()) {
      fail("ImageFolderBuilder: the class '", files.name, "' has no training or no validation file;",
           " plan the listing first (plan_image_folder)");
    }
    const int label = static_cast<int>(classes_.size());
    const auto class_begin = static_cast<std::ptrdiff_t>(plan_.size());
    for (std::string& file : files.train) plan_.push_back({std::move(file), label, false, false});
    for (std::string& file : files.validation) plan_.push_back({std::move(file), label, true, false});
    // Read in name order, whatever the side: progress and messages follow the folder as listed.
    std::sort(plan_.begin() + class_begin, plan_.end(),
              [](const PlannedFile& a, const PlannedFile& b) { return a.file < b.file; });
    plan_.back().last_of_class = true;
    train_files += files.train.size();
    validation_files += files.validation.size();
    classes_.push_back(files.name);
    counts_.push_back({files.name});
  }
  // Unreadable files only lower these counts and an end-of-class move keeps each side within its
  // class's plan, so neither data set ever grows past what is reserved here.
  train_.reserve(train_files);
  validation_.reserve(validation_files);
  first_skip_.resize(classes_.size());
}

const std::string& ImageFolderBuilder::next_file() const { return next_planned().file; }

const ImageFolderBuilder::PlannedFile& ImageFolderBuilder::next_planned() const {
  if (done()) fail("ImageFolderBuilder: all ", plan_.size(), " files are in; call finish()");
  return plan_[next_];
}

void ImageFolderBuilder::add(const Image& image) {
  const PlannedFile& planned = next_planned();
  ClassCount& count = counts_[planned.label];
  if (planned.validation) {
    validation_.add(image, planned.label);
    validation_files_.push_back(planned.file);
    ++count.validation;
  } else {
    train_.add(image, planned.label);
    class_train_files_.push_back(planned.file);
    ++count.train;
  }
  advance();
}

void ImageFolderBuilder::skip(SkipReason reason, std::string detail) {
  const PlannedFile& planned = next_planned();
  if (first_skip_[planned.label].empty()) first_skip_[planned.label] = "'" + planned.file + "': " + detail;
  skipped_.push_back({planned.file, reason, std::move(detail)});
  ++counts_[planned.label].skipped;
  advance();
}

void ImageFolderBuilder::advance() {
  const PlannedFile& planned = plan_[next_++];
  if (planned.last_of_class) end_class(planned.label);
}

void ImageFolderBuilder::end_class(int label) {
  ClassCount& count = counts_[label];
  if (!split_given_ && count.train == 0 && count.validation >= 2) {
    validation_.move_last_to(train_);
    validation_files_.pop_back();
    --count.validation;
    ++count.train;
  } else if (!split_given_ && count.validation == 0 && count.train >= 2) {
    train_.move_last_to(validation_);
    validation_files_.push_back(std::move(class_train_files_.back()));
    --count.train;
    ++count.validation;
  }
  class_train_files_.clear();
}

ImageFolder ImageFolderBuilder::finish() {
  if (!done()) {
    fail("ImageFolderBuilder::finish: ", plan_.size() - next_, " of ", plan_.size(),
         " files are still to be added or skipped");
  }
  const std::string root = root_.empty() ? "the data folder" : "'" + root_ + "'";
  if (train_.size() + validation_.size() == 0) {
    fail("none of the ", plan_.size(), " image files in ", root, " could be read (the first: ", first_skip_[0],
         "); check that they are PNG, JPEG, GIF or BMP images");
  }
  std::vector<std::string> problems;
  for (size_t label = 0; label < counts_.size(); ++label) {
    const ClassCount& count = counts_[label];
    const std::string why = first_skip_[label].empty() ? "" : " (" + first_skip_[label] + ")";
    if (count.train + count.validation == 0) {
      problems.push_back("the class '" + count.name + "' has no readable images" + why +
                         ": add images to it, or remove its folder if it is not a class");
    } else if (!split_given_ && count.train + count.validation == 1) {
      problems.push_back("the class '" + count.name + "' has only 1 readable image" + why +
                         ": holding out validation images needs at least 2 in each class; add images to it");
    } else if (count.train == 0 || count.validation == 0) {
      problems.push_back("the class '" + count.name + "' has no readable images in " +
                         (count.train == 0 ? "train/" : "val/") + why + ": add images there");
    }
  }
  if (!problems.empty()) fail(root, ": ", joined(problems, "; "));
  ImageFolder folder;
  folder.classes = std::move(classes_);
  folder.train = train_.take();
  folder.validation = validation_.take();
  folder.validation_files = std::move(validation_files_);
  folder.counts = std::move(counts_);
  folder.skipped = std::move(skipped_);
  folder.split_given = split_given_;
  return folder;
}

ImageFolder load_image_folder(const std::string& dir, const Shape& input_shape, const ImageFolderOptions& options) {
  checked_input_shape(input_shape);
  FolderListing listing = list_image_folder(dir, options.max_file_bytes);
  plan_image_folder(listing, options.split);
  ImageFolderBuilder builder(std::move(listing), input_shape);
  while (!builder.done()) {
    if (options.cancelled && options.cancelled()) {
      throw LoadCancelled("loading '" + dir + "' was cancelled after " + std::to_string(builder.files_done()) + " of " +
                          std::to_string(builder.files_total()) + " files");
    }
    Image image;
    try {
      image = decode_image_file(builder.next_file());
    } catch (const NotAnImageError& e) {
      builder.skip(SkipReason::not_an_image, e.what());
    } catch (const ImageTooLargeError& e) {
      builder.skip(SkipReason::too_large, e.what());
    } catch (const Error& e) {
      builder.skip(SkipReason::unreadable, e.what());
    }
    if (!image.empty()) builder.add(image);
    if (options.on_progress) options.on_progress(builder.files_done(), builder.files_total());
  }
  return builder.finish();
}

}  // namespace camlens
