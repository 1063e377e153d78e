#include "train/image_folder.h"

#include <doctest/doctest.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "image/encode.h"
#include "image/preprocess.h"

using namespace camlens;

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// A fresh folder under the system's temp folder, removed with the object. The random suffix keeps
// concurrent runs (native and WebAssembly, other checkouts) apart.
class TempFolder {
 public:
  TempFolder()
      : root_(fs::temp_directory_path() / ("camlens_image_folder_test_" + std::to_string(std::random_device{}()))) {
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~TempFolder() { fs::remove_all(root_); }
  const fs::path& path() const { return root_; }
  std::string str() const { return root_.string(); }

 private:
  fs::path root_;
};

void write_bytes(const fs::path& path, const Bytes& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(file.good());
}

Image flat_image(int width, int height, std::vector<std::uint8_t> colour) {
  Image image(width, height, static_cast<int>(colour.size()));
  for (size_t i = 0; i < image.size(); ++i) image.data()[i] = colour[i % colour.size()];
  return image;
}

void write_png(const fs::path& path, const Image& image) { write_bytes(path, encode_png(image)); }

void append(void* context, void* data, int size) {
  auto& out = *static_cast<Bytes*>(context);
  out.insert(out.end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
}

void write_jpeg(const fs::path& path, const Image& image) {
  Bytes jpeg;
  REQUIRE(stbi_write_jpg_to_func(append, &jpeg, image.width(), image.height(), image.channels(), image.data(), 95));
  write_bytes(path, jpeg);
}

void write_gray_alpha_png(const fs::path& path, int width, int height, std::uint8_t gray, std::uint8_t alpha) {
  Bytes pixels;
  for (int i = 0; i < width * height; ++i) pixels.insert(pixels.end(), {gray, alpha});
  Bytes png;
  REQUIRE(stbi_write_png_to_func(append, &png, width, height, 2, pixels.data(), 2 * width));
  write_bytes(path, png);
}

// A valid PNG cut in the middle of its image data.
Bytes cut_png() {
  Bytes png = encode_png(flat_image(30, 30, {1, 2, 3}));
  png.resize(png.size() / 2);
  return png;
}

void write_bmp(const fs::path& path, const Image& image) {
  Bytes bmp;
  REQUIRE(stbi_write_bmp_to_func(append, &bmp, image.width(), image.height(), image.channels(), image.data()));
  write_bytes(path, bmp);
}

// PNGs that stb_image_write cannot make (a palette, 16-bit samples), written chunk by chunk with
// the image data in one stored (uncompressed) deflate block.
void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t crc32(const Bytes& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint8_t byte : bytes) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_chunk(Bytes& png, const char* type, const Bytes& data) {
  put_u32(png, static_cast<std::uint32_t>(data.size()));
  Bytes typed(type, type + 4);
  typed.insert(typed.end(), data.begin(), data.end());
  png.insert(png.end(), typed.begin(), typed.end());
  put_u32(png, crc32(typed));
}

Bytes zlib_stored(const Bytes& raw) {
  REQUIRE(raw.size() < 65535);
  const auto length = static_cast<std::uint16_t>(raw.size());
  const auto inverted = static_cast<std::uint16_t>(~length);
  Bytes out = {0x78, 0x01, 0x01};  // zlib header; a final stored block
  for (const std::uint16_t v : {length, inverted}) {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  std::copy(raw.begin(), raw.end(), std::back_inserter(out));
  std::uint32_t a = 1, b = 0;
  for (std::uint8_t byte : raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  put_u32(out, b << 16 | a);
  return out;
}

// `row` is one row's samples (without the filter byte), repeated `height` times.
Bytes crafted_png(int width, int height, int depth, int colour_type, const Bytes& row, const Bytes& palette = {}) {
  Bytes png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes header;
  put_u32(header, static_cast<std::uint32_t>(width));
  put_u32(header, static_cast<std::uint32_t>(height));
  header.insert(header.end(), {static_cast<std::uint8_t>(depth), static_cast<std::uint8_t>(colour_type), 0, 0, 0});
  put_chunk(png, "IHDR", header);
  if (!palette.empty()) put_chunk(png, "PLTE", palette);
  Bytes raw;
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);  // filter: none
    raw.insert(raw.end(), row.begin(), row.end());
  }
  put_chunk(png, "IDAT", zlib_stored(raw));
  put_chunk(png, "IEND", {});
  return png;
}

// A 20000x20000 RGB PNG header: refused by the decoder's pixel limits before any pixel exists.
Bytes huge_png_header() {
  Bytes png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes header;
  put_u32(header, 20000);
  put_u32(header, 20000);
  header.insert(header.end(), {8, 2, 0, 0, 0});
  put_chunk(png, "IHDR", header);
  return png;
}

doctest::Contains contains(const std::string& text) { return doctest::Contains(text.c_str()); }

std::vector<std::string> file_names(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  for (const std::string& path : paths) names.push_back(fs::path(path).filename().string());
  return names;
}

// `count` PNGs 0.png, 1.png, ... in root/name, each a flat gray of a different value.
void write_class(const fs::path& folder, int count, std::uint8_t base = 0) {
  for (int i = 0; i < count; ++i) {
    write_png(folder / (std::to_string(i) + ".png"), flat_image(6, 5, {static_cast<std::uint8_t>(base + i)}));
  }
}

}  // namespace

TEST_CASE("image folder: DatasetBuilder keeps preprocess_image's pixels, rounded to bytes") {
  Image photo(7, 5, 3);
  std::mt19937 random(3);
  for (std::uint8_t& v : photo.bytes()) v = static_cast<std::uint8_t>(random() % 256);
  for (const int channels : {1, 3}) {
    CAPTURE(channels);
    DatasetBuilder builder(Shape{4, 3, channels});
    builder.add(photo, 2);
    builder.add(photo, 0);
    const Dataset& data = builder.dataset();
    REQUIRE(data.size() == 2);
    CHECK(data.labels == std::vector<int>{2, 0});
    CHECK(data.pixels.size() == 2 * 4 * 3 * static_cast<size_t>(channels));
    PreprocessSpec spec;
    spec.width = 3;
    spec.height = 4;
    spec.color = channels == 1 ? ColorMode::gray : ColorMode::rgb;
    const Tensor expected = preprocess_image(photo, spec);
    for (size_t i = 0; i < expected.size(); ++i) {
      CAPTURE(i);
      CHECK(data.pixels[i] == std::lround(expected[i] * 255.0f));
    }
  }
  // At the input size a gray image comes through unchanged; RGBA loses its alpha.
  Image gray(3, 2, 1);
  for (int i = 0; i < 6; ++i) gray.data()[i] = static_cast<std::uint8_t>(40 * i + 5);
  DatasetBuilder same_size(Shape{2, 3, 1});
  same_size.add(gray, 0);
  CHECK(same_size.dataset().pixels == Bytes{5, 45, 85, 125, 165, 205});
  DatasetBuilder rgb(Shape{1, 1, 3});
  rgb.add(flat_image(2, 2, {10, 20, 30, 0}), 1);
  rgb.add(flat_image(1, 1, {77}), 1);
  CHECK(rgb.dataset().pixels == Bytes{10, 20, 30, 77, 77, 77});

  DatasetBuilder moved_to(Shape{1, 1, 3});
  rgb.move_last_to(moved_to);
  CHECK(rgb.dataset().pixels == Bytes{10, 20, 30});
  CHECK(moved_to.dataset().pixels == Bytes{77, 77, 77});
  CHECK(moved_to.dataset().labels == std::vector<int>{1});
  const Dataset taken = rgb.take();
  CHECK(taken.size() == 1);
  CHECK(rgb.size() == 0);

  CHECK_THROWS_WITH_AS(DatasetBuilder(Shape{8, 8, 4}), doctest::Contains("channels 1 (gray) or 3 (RGB), got [8, 8, 4]"),
                       Error);
  CHECK_THROWS_WITH_AS(DatasetBuilder(Shape{8, 8}), doctest::Contains("[height, width, channels]"), Error);
  CHECK_THROWS_WITH_AS(rgb.add(Image(), 0), doctest::Contains("the image is empty"), Error);
}

TEST_CASE("image folder: the held-out images depend on the seed and the class alone") {
  const SplitOptions options{0.1, 7};
  const std::vector<size_t> held = validation_positions(100, "cat", options);
  CHECK(held.size() == 10);
  CHECK(std::is_sorted(held.begin(), held.end()));
  CHECK(std::set<size_t>(held.begin(), held.end()).size() == 10);
  CHECK(held.back() < 100);
  CHECK(validation_positions(100, "cat", options) == held);
  CHECK(validation_positions(100, "cat", SplitOptions{0.1, 8}) != held);
  CHECK(validation_positions(100, "dog", options) != held);
  // At least one held out from two images, never all of them, none from one.
  CHECK(validation_positions(2, "cat", options).size() == 1);
  CHECK(validation_positions(3, "cat", SplitOptions{0.9, 1}).size() == 2);
  CHECK(validation_positions(1, "cat", options).empty());
  CHECK(validation_positions(25, "cat", SplitOptions{0.2, 1}).size() == 5);
  CHECK_THROWS_WITH_AS(validation_positions(10, "cat", SplitOptions{0.0, 1}),
                       doctest::Contains("validation fraction must lie between 0 and 1 (e.g. 0.1 for 10%), got 0"),
                       Error);
  CHECK_THROWS_WITH_AS(validation_positions(10, "cat", SplitOptions{1.0, 1}), doctest::Contains("got 1"), Error);
}

TEST_CASE("image folder: a plan is stratified and does not depend on the listing's order") {
  FolderListing listing;
  listing.root = "photos";
  std::vector<std::string> cats, dogs;
  for (int i = 0; i < 30; ++i) cats.push_back("photos/cat/" + std::to_string(100 + i) + ".png");
  for (int i = 0; i < 8; ++i) dogs.push_back("photos/dog/" + std::to_string(100 + i) + ".png");
  listing.classes = {{"dog", dogs, {}}, {"cat", cats, {}}};
  FolderListing shuffled = listing;
  std::reverse(shuffled.classes.begin(), shuffled.classes.end());
  std::mt19937 random(1);
  for (ClassFiles& files : shuffled.classes) std::shuffle(files.train.begin(), files.train.end(), random);

  plan_image_folder(listing, SplitOptions{0.1, 3});
  plan_image_folder(shuffled, SplitOptions{0.1, 3});
  REQUIRE(listing.classes.size() == 2);
  CHECK(listing.classes[0].name == "cat");
  CHECK(listing.classes[0].train.size() == 27);
  CHECK(listing.classes[0].validation.size() == 3);
  CHECK(listing.classes[1].train.size() == 7);
  CHECK(listing.classes[1].validation.size() == 1);
  for (size_t c = 0; c < 2; ++c) {
    CHECK(shuffled.classes[c].name == listing.classes[c].name);
    CHECK(shuffled.classes[c].train == listing.classes[c].train);
    CHECK(shuffled.classes[c].validation == listing.classes[c].validation);
    const std::vector<size_t> held =
        validation_positions(c == 0 ? 30 : 8, listing.classes[c].name, SplitOptions{0.1, 3});
    std::vector<std::string> all = c == 0 ? cats : dogs;
    std::vector<std::string> expected;
    for (size_t position : held) expected.push_back(all[position]);
    CHECK(listing.classes[c].validation == expected);
  }
  CHECK_THROWS_WITH_AS(plan_image_folder(listing), doctest::Contains("is planned already"), Error);

  // The builder reads the plan class by class, each class's files by name, whatever their side.
  ImageFolderBuilder builder(listing, Shape{1, 1, 1});
  std::vector<std::string> order;
  while (!builder.done()) {
    order.push_back(builder.next_file());
    builder.add(Image(1, 1, 1));
  }
  std::vector<std::string> expected = cats;
  expected.insert(expected.end(), dogs.begin(), dogs.end());
  CHECK(order == expected);
  CHECK_THROWS_WITH_AS(builder.add(Image(1, 1, 1)), doctest::Contains("all 38 files are in; call finish()"), Error);
  const ImageFolder data = builder.finish();
  CHECK(data.train.size() == 34);
  std::vector<std::string> held_out = listing.classes[0].validation;
  held_out.push_back(listing.classes[1].validation[0]);
  CHECK(data.validation_files == held_out);
  CHECK_THROWS_WITH_AS(ImageFolderBuilder(FolderListing{}, Shape{1, 1, 1}),
                       doctest::Contains("fewer than two classes; plan it first"), Error);
}

TEST_CASE("image folder: a folder of class subfolders in mixed formats, sizes and colour modes") {
  TempFolder folder;
  const fs::path root = folder.path();
  // bird: gray, RGB, RGBA and gray+alpha PNGs of different sizes, a JPEG and a BMP.
  write_png(root / "bird" / "a_gray.png", flat_image(9, 4, {200}));
  write_png(root / "bird" / "b_rgb.png", flat_image(3, 7, {255, 0, 0}));
  write_png(root / "bird" / "c_rgba.png", flat_image(5, 5, {0, 0, 255, 128}));
  write_gray_alpha_png(root / "bird" / "d_gray_alpha.png", 4, 4, 90, 255);
  write_jpeg(root / "bird" / "e.jpg", flat_image(16, 16, {0, 255, 0}));
  write_bmp(root / "bird" / "f.BMP", flat_image(6, 3, {10, 20, 30}));
  // cat: a paletted PNG, a 16-bit gray PNG, a 16-bit RGB PNG, in a nested folder too.
  write_bytes(root / "cat" / "palette.png", crafted_png(4, 3, 8, 3, {0, 1, 1, 0}, {255, 0, 0, 0, 0, 255}));
  write_bytes(root / "cat" / "gray16.png", crafted_png(3, 3, 16, 0, {0x80, 0x01, 0x80, 0x02, 0x80, 0x03}));
  write_bytes(root / "cat" / "more" / "rgb16.png",
              crafted_png(2, 2, 16, 2, {0xFF, 0, 0, 0, 0x40, 0, 0xFF, 0, 0, 0, 0x40, 0}));
  // dog: images and everything that is skipped or ignored.
  write_class(root / "dog", 4);
  write_bytes(root / "dog" / "notes.txt", {'h', 'i'});
  write_bytes(root / "dog" / "fake.png", {'<', 'h', 't', 'm', 'l', '>'});
  write_bytes(root / "dog" / "cut.png", cut_png());
  write_bytes(root / "dog" / "huge.png", huge_png_header());
  write_bytes(root / "dog" / ".DS_Store", {0, 1, 2});
  write_png(root / ".hidden_class" / "x.png", flat_image(2, 2, {0}));
  write_png(root / "dog" / ".thumbnails" / "x.png", flat_image(2, 2, {0}));
  write_bytes(root / "README.txt", {'x'});
  fs::create_symlink(root / "nowhere.png", root / "dog" / "broken_link.png");

  std::vector<std::pair<size_t, size_t>> progress;
  ImageFolderOptions options;
  options.split = SplitOptions{0.25, 5};
  options.on_progress = [&](size_t done, size_t total) { progress.emplace_back(done, total); };
  const ImageFolder data = load_image_folder(folder.str(), Shape{4, 4, 3}, options);

  CHECK(data.classes == std::vector<std::string>{"bird", "cat", "dog"});
  CHECK_FALSE(data.split_given);
  REQUIRE(data.counts.size() == 3);
  // bird: 6 images, round(1.5) = 2 held out; cat: 3, round(0.75) = 1; dog: 7 planned (4 + fake, cut, huge), 2 held out.
  CHECK(data.counts[0].train + data.counts[0].validation == 6);
  CHECK(data.counts[0].validation == 2);
  CHECK(data.counts[1].train == 2);
  CHECK(data.counts[1].validation == 1);
  CHECK(data.counts[2].train + data.counts[2].validation == 4);
  CHECK(data.counts[2].skipped == 3);
  CHECK(data.counts[2].validation >= 1);
  CHECK(data.train.size() + data.validation.size() == 13);
  CHECK(data.train.image_shape() == Shape{4, 4, 3});
  CHECK(data.validation.image_shape() == Shape{4, 4, 3});
  validate_dataset(data.train, 3, "train");
  validate_dataset(data.validation, 3, "validation");
  CHECK(data.validation_files.size() == data.validation.size());
  for (size_t i = 0; i < data.validation_files.size(); ++i) {
    const std::string class_name = data.classes[data.validation.labels[i]];
    CHECK(data.validation_files[i].find("/" + class_name + "/") != std::string::npos);
  }

  // Skipped: notes.txt by name (never read), fake.png by content, cut.png corrupt, huge.png by its size.
  std::vector<std::string> skipped;
  for (const SkippedFile& file : data.skipped) {
    skipped.push_back(fs::path(file.file).filename().string() + ": " + skip_reason_name(file.reason));
  }
  std::sort(skipped.begin(), skipped.end());
  CHECK(skipped == std::vector<std::string>{"broken_link.png: unreadable", "cut.png: unreadable",
                                            "fake.png: not an image", "huge.png: too large",
                                            "notes.txt: not an image"});

  // 16 files read (6 + 3 + 7), progress after each.
  REQUIRE(progress.size() == 16);
  CHECK(progress.front() == std::pair<size_t, size_t>{1, 16});
  CHECK(progress.back() == std::pair<size_t, size_t>{16, 16});
}

TEST_CASE("image folder: paletted, 16-bit, gray and RGBA files give the colours they hold") {
  TempFolder folder;
  const fs::path root = folder.path();
  // train/ and val/ give the split, so each file's item is known: one file per class and side.
  write_bytes(root / "train" / "a" / "palette.png", crafted_png(4, 3, 8, 3, {0, 0, 0, 0}, {255, 0, 0, 0, 0, 255}));
  write_bytes(root / "train" / "b" / "gray16.png", crafted_png(3, 3, 16, 0, {0x80, 0x01, 0x80, 0x02, 0x80, 0x03}));
  write_bytes(root / "val" / "a" / "rgb16.png",
              crafted_png(2, 2, 16, 2, {0xFF, 0, 0, 0, 0x40, 0, 0xFF, 0, 0, 0, 0x40, 0}));
  write_png(root / "val" / "b" / "rgba.png", flat_image(5, 5, {0, 0, 255, 128}));

  const ImageFolder rgb = load_image_folder(folder.str(), Shape{2, 2, 3});
  CHECK(rgb.split_given);
  CHECK(rgb.classes == std::vector<std::string>{"a", "b"});
  REQUIRE(rgb.train.size() == 2);
  REQUIRE(rgb.validation.size() == 2);
  CHECK(rgb.train.item(0)[0] == 255);  // palette entry 0: red
  CHECK(rgb.train.item(0)[1] == 0);
  CHECK(rgb.train.item(1)[0] == 128);  // 16-bit 0x80xx keeps its high byte
  CHECK(rgb.train.item(1)[2] == 128);
  CHECK(rgb.validation.item(0)[0] == 255);  // 16-bit RGB (0xFF00, 0x0000, 0x4000)
  CHECK(rgb.validation.item(0)[2] == 64);
  CHECK(rgb.validation.item(1)[2] == 255);  // RGBA: alpha dropped, not composited
  CHECK(rgb.validation.item(1)[0] == 0);
  CHECK(file_names(rgb.validation_files) == std::vector<std::string>{"rgb16.png", "rgba.png"});
  CHECK(rgb.validation.labels == std::vector<int>{0, 1});

  const ImageFolder gray = load_image_folder(folder.str(), Shape{2, 2, 1});
  REQUIRE(gray.train.size() == 2);
  CHECK(gray.train.item(0)[0] == std::lround(0.2989f * 255.0f));  // red through TensorFlow's luma weights
  CHECK(gray.train.item(1)[0] == 128);
  CHECK(gray.train.pixels.size() == 2 * 2 * 2);
}

TEST_CASE("image folder: the same seed holds out the same files, another seed others") {
  TempFolder folder;
  write_class(folder.path() / "x", 20, 0);
  write_class(folder.path() / "y", 20, 100);
  ImageFolderOptions options;
  options.split.seed = 11;
  const ImageFolder first = load_image_folder(folder.str(), Shape{3, 3, 1}, options);
  const ImageFolder again = load_image_folder(folder.str(), Shape{3, 3, 1}, options);
  CHECK(first.validation_files.size() == 4);  // 2 of each class's 20
  CHECK(first.validation.labels == std::vector<int>{0, 0, 1, 1});
  CHECK(first_validation_items(first) == std::vector<size_t>{0, 2});
  CHECK(again.validation_files == first.validation_files);
  CHECK(again.train.pixels == first.train.pixels);
  CHECK(again.validation.pixels == first.validation.pixels);
  // The files held out are the ones validation_positions names among the sorted file names.
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) names.push_back(std::to_string(i) + ".png");
  std::sort(names.begin(), names.end());
  const std::vector<size_t> held = validation_positions(20, "x", options.split);
  CHECK(file_names(first.validation_files)[0] == names[held[0]]);
  // Each item holds its file's gray value: image i of class y is 100 + i.
  const std::string last = file_names(first.validation_files)[3];
  CHECK(first.validation.item(3)[0] == 100 + std::stoi(last));

  options.split.seed = 12;
  CHECK(load_image_folder(folder.str(), Shape{3, 3, 1}, options).validation_files != first.validation_files);
}

TEST_CASE("image folder: DIR/train and DIR/val give the split and must list the same classes") {
  TempFolder folder;
  const fs::path root = folder.path();
  write_class(root / "train" / "cat", 3);
  write_class(root / "train" / "dog", 2);
  write_class(root / "val" / "cat", 1);
  write_class(root / "val" / "dog", 2);
  const ImageFolder data = load_image_folder(folder.str(), Shape{2, 2, 1});
  CHECK(data.split_given);
  CHECK(data.train.labels == std::vector<int>{0, 0, 0, 1, 1});
  CHECK(data.validation.labels == std::vector<int>{0, 1, 1});
  CHECK(data.validation_files.front() == (root / "val" / "cat" / "0.png").string());
  CHECK(first_validation_items(data) == std::vector<size_t>{0, 1});

  fs::create_directories(root / "train" / "emu");
  fs::create_directories(root / "val" / "emu");
  write_class(root / "train" / "emu", 2);
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), Shape{2, 2, 1}),
                       contains("the class folder '" + (root / "val" / "emu").string() +
                                "' holds no PNG, JPEG, GIF or BMP images; add images to it"),
                       Error);
  for (int i = 0; i < 2; ++i) fs::remove(root / "train" / "emu" / (std::to_string(i) + ".png"));
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), Shape{2, 2, 1}),
                       contains("the class folders '" + (root / "train" / "emu").string() + "', '" +
                                (root / "val" / "emu").string() + "' hold no PNG, JPEG, GIF or BMP images; add images "
                                "to each, or remove the folders that are not classes"),
                       Error);
  fs::remove_all(root / "val" / "emu");
  write_class(root / "train" / "emu", 2);
  write_class(root / "val" / "fox", 2);
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), Shape{2, 2, 1}),
                       contains("train/ and val/ must hold the same class folders, but 'emu' only in train/, "
                                "'fox' only in val/; add or remove class folders"),
                       Error);
  fs::remove_all(root / "val");
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), Shape{2, 2, 1}),
                       contains("has a train/ folder but no val/ folder; add '" + (root / "val").string() +
                                "' with the same class folders"),
                       Error);
}

TEST_CASE("image folder: each bad folder says what is wrong and how to fix it") {
  TempFolder folder;
  const fs::path root = folder.path();
  const Shape shape{2, 2, 3};
  const std::string missing = (root / "nothing").string();
  CHECK_THROWS_WITH_AS(load_image_folder(missing, shape),
                       contains("the data folder '" + missing +
                                "' does not exist; give a folder that holds "
                                "one subfolder of images per class"),
                       Error);
  write_bytes(root / "file.png", {1});
  CHECK_THROWS_WITH_AS(load_image_folder((root / "file.png").string(), shape), contains("is a file, not a folder"),
                       Error);
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), shape),
                       contains("holds no class folders; put each class's images in a subfolder named after the class"),
                       Error);
  write_class(root / "cat", 3);
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), shape),
                       contains("holds one class folder ('cat'); a classifier needs at least two: add a "
                                "subfolder of images for each other class"),
                       Error);
  write_bytes(root / "dog" / "readme.txt", {'x'});
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), shape),
                       contains("the class folder '" + (root / "dog").string() +
                                "' holds no PNG, JPEG, GIF or BMP images (see the skipped files); add images "
                                "to it, or remove the folder if it is not a class"),
                       Error);
  write_class(root / "dog", 1);
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), shape),
                       contains("the class 'dog' has only 1 image; holding out validation images needs at "
                                "least 2 in each class: add images to '" +
                                (root / "dog").string() + "'"),
                       Error);
  // Two files, one unreadable: found only when decoding.
  write_bytes(root / "dog" / "9.png", {0x89, 'P', 'N', 'G'});
  CHECK_THROWS_WITH_AS(
      load_image_folder(folder.str(), shape),
      contains("the class 'dog' has only 1 readable image ('" + (root / "dog" / "9.png").string() + "': cannot decode"),
      Error);
  fs::remove(root / "dog" / "0.png");
  write_bytes(root / "dog" / "8.png", {0x89, 'P', 'N', 'G'});
  CHECK_THROWS_WITH_AS(
      load_image_folder(folder.str(), shape),
      contains("the class 'dog' has no readable images ('" + (root / "dog" / "8.png").string() + "': cannot decode"),
      Error);
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), shape),
                       contains("add images to it, or remove its folder if it is not a class"), Error);
  for (int i = 0; i < 3; ++i) write_bytes(root / "cat" / (std::to_string(i) + ".png"), {'n', 'o'});
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), shape),
                       contains("none of the 5 image files in '" + folder.str() + "' could be read (the first: '" +
                                (root / "cat" / "0.png").string() + "': cannot decode"),
                       Error);
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), Shape{2, 2, 2}), contains("channels 1 (gray) or 3 (RGB)"),
                       Error);
}

TEST_CASE("image folder: a class whose held-out file is unreadable gets one training image back") {
  TempFolder folder;
  const fs::path root = folder.path();
  write_class(root / "a", 3);
  write_class(root / "b", 3);
  const SplitOptions split{0.1, 4};
  const std::vector<size_t> held = validation_positions(3, "a", split);
  REQUIRE(held.size() == 1);
  const std::string broken = std::to_string(held[0]) + ".png";
  write_bytes(root / "a" / broken, cut_png());
  ImageFolderOptions options;
  options.split = split;
  const ImageFolder data = load_image_folder(folder.str(), Shape{2, 2, 1}, options);
  CHECK(data.counts[0].train == 1);
  CHECK(data.counts[0].validation == 1);
  CHECK(data.counts[0].skipped == 1);
  CHECK(data.train.labels == std::vector<int>{0, 1, 1});
  CHECK(data.validation.labels == std::vector<int>{0, 1});
  REQUIRE(data.skipped.size() == 1);
  CHECK(fs::path(data.skipped[0].file).filename() == broken);
  CHECK(data.skipped[0].reason == SkipReason::unreadable);
  // The moved image is the class's last training file, and its pixels came with it.
  const std::string moved = file_names(data.validation_files)[0];
  CHECK(moved != broken);
  CHECK(data.validation.item(0)[0] == std::stoi(moved));
}

TEST_CASE("image folder: oversized files are skipped without being read; cancelling stops the load") {
  TempFolder folder;
  const fs::path root = folder.path();
  write_class(root / "a", 2);
  write_class(root / "b", 2);
  Image noise(32, 32, 3);
  std::mt19937 random(2);
  for (std::uint8_t& v : noise.bytes()) v = static_cast<std::uint8_t>(random() % 256);
  write_png(root / "b" / "big.png", noise);  // about 3 KB: incompressible
  ImageFolderOptions options;
  options.max_file_bytes = 200;
  const ImageFolder data = load_image_folder(folder.str(), Shape{2, 2, 1}, options);
  REQUIRE(data.skipped.size() == 1);
  CHECK(data.skipped[0].reason == SkipReason::too_large);
  CHECK(data.skipped[0].detail.find("over the limit of 200; downscale it or remove it") != std::string::npos);
  CHECK(data.train.size() + data.validation.size() == 4);

  int asked = 0;
  options.cancelled = [&] { return ++asked == 3; };
  CHECK_THROWS_WITH_AS(load_image_folder(folder.str(), Shape{2, 2, 1}, options),
                       doctest::Contains("was cancelled after 2 of 4 files"), LoadCancelled);
}

TEST_CASE("image folder: 1,000 images take N * H * W * C bytes and nothing per file") {
  TempFolder folder;
  for (int c = 0; c < 4; ++c) {
    for (int i = 0; i < 250; ++i) {
      write_png(folder.path() / ("class" + std::to_string(c)) / (std::to_string(i) + ".png"),
                flat_image(20 + i % 7, 12 + i % 5, {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(c), 9}));
    }
  }
  const Shape shape{16, 16, 3};
  const ImageFolder data = load_image_folder(folder.str(), shape, {});
  const size_t item = 16 * 16 * 3;
  CHECK(data.train.size() == 900);
  CHECK(data.validation.size() == 100);
  CHECK(data.train.pixels.size() + data.validation.pixels.size() == 1000 * item);
  // Reserved once for the planned files: no growth slack, no copy of a decoded file kept.
  CHECK(data.train.pixels.capacity() == data.train.pixels.size());
  CHECK(data.validation.pixels.capacity() == data.validation.pixels.size());
  CHECK(data.validation_files.size() == 100);
  for (const ClassCount& count : data.counts) {
    CHECK(count.train == 225);
    CHECK(count.validation == 25);
  }
}
