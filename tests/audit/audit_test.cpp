// audit_images (a batch through one forward and one backward pass) against audit_image (one image
// at a time through the Explainer), on the shipped Fashion-MNIST model: the same audits, value for value.
#include "audit/audit.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "image/channels.h"
#include "io/model.h"

using namespace camlens;
using namespace camlens::audit;

namespace {

const char* const kModel = "models/fashion-mnist/model.json";

// A bright blob on a dark background whose place, size and texture change with `seed`: images the
// model ranks differently, with objects of different shapes.
Image blob_image(std::uint32_t seed, int width = 28, int height = 28) {
  Image image(width, height, 3);
  const int cx = 6 + static_cast<int>(seed * 7 % 16), cy = 6 + static_cast<int>(seed * 11 % 16);
  const int radius = 3 + static_cast<int>(seed % 6);
  std::uint32_t state = seed * 2654435761u + 1;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      state = state * 1664525u + 1013904223u;
      const bool inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius;
      const auto value = static_cast<std::uint8_t>(inside ? 150 + (state >> 25) : (state >> 28));
      for (int c = 0; c < 3; ++c) image.pixel(x, y)[c] = value;
    }
  }
  return image;
}

Mask box_object(int width, int height) { return box_mask({4, 2, 12, 20}, width, height, {height, width}); }

void check_same(const ImageAudit& batched, const ImageAudit& alone) {
  CHECK(batched.image_class == alone.image_class);
  CHECK(batched.matched == alone.matched);
  CHECK(batched.predicted == alone.predicted);
  CHECK(batched.probability == alone.probability);
  CHECK(batched.inside_share == alone.inside_share);
  CHECK(batched.coverage == alone.coverage);
  CHECK(batched.pointing_hit == alone.pointing_hit);
  CHECK(batched.map.values == alone.map.values);
  CHECK(batched.object.inside == alone.object.inside);
}

std::vector<AuditInput> varied_inputs() {
  std::vector<AuditInput> inputs;
  for (std::uint32_t i = 0; i < 12; ++i) {
    AuditInput input{"image-" + std::to_string(i), blob_image(i), std::nullopt, std::nullopt};
    if (i % 3 != 0) input.folder_class = static_cast<int>(i % 10);  // every third: its predicted class
    if (i % 4 == 1) input.object = box_object(input.image.width(), input.image.height());
    inputs.push_back(std::move(input));
  }
  return inputs;
}

}  // namespace

TEST_CASE("audit_images gives audit_image's audits for every method of the CAM family") {
  Model batch_model = load_model_file(kModel);
  explain::Explainer explainer(load_model_file(kModel));
  const std::vector<AuditInput> inputs = varied_inputs();
  for (const std::string method : {"grad-cam", "grad-cam++", "cam", "layer-cam"}) {
    CAPTURE(method);
    REQUIRE(audits_in_batches(method));
    explain::ViewRequest request;
    request.methods = {{method, nullptr}};
    const std::vector<ImageAudit> batched = audit_images(batch_model, request, inputs, 0.15f);
    REQUIRE(batched.size() == inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      CAPTURE(i);
      check_same(batched[i], audit_image(explainer, request, inputs[i].image, inputs[i].folder_class, inputs[i].object, 0.15f));
    }
  }
}

TEST_CASE("audit_images: a batch of one and a layer asked for give audit_image's audits") {
  Model batch_model = load_model_file(kModel);
  explain::Explainer explainer(load_model_file(kModel));
  std::vector<AuditInput> inputs;
  inputs.push_back({"only", blob_image(5, 40, 32), 3, std::nullopt});  // another size: resized to the model's
  explain::ViewRequest request;
  request.methods = {{"grad-cam", nullptr}};
  request.layer = "conv3";
  const std::vector<ImageAudit> batched = audit_images(batch_model, request, inputs, 0.3f);
  REQUIRE(batched.size() == 1);
  CHECK(batched[0].map.width == 14);
  check_same(batched[0], audit_image(explainer, request, inputs[0].image, 3, std::nullopt, 0.3f));
}

TEST_CASE("audit_images names the image an error is about, and takes only the CAM family") {
  Model model = load_model_file(kModel);
  explain::ViewRequest request;
  request.methods = {{"grad-cam", nullptr}};
  std::vector<AuditInput> inputs = varied_inputs();
  inputs[7].object = box_object(20, 20);  // not the image's size
  CHECK_THROWS_WITH_AS(audit_images(model, request, inputs, 0.15f), doctest::Contains("image-7: "), Error);

  CHECK_FALSE(audits_in_batches("score-cam"));
  request.methods = {{"saliency", nullptr}};
  CHECK_THROWS_WITH_AS(audit_images(model, request, varied_inputs(), 0.15f), doctest::Contains("use audit_image"), Error);
}
