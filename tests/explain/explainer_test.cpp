#include "explain/explainer.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "explain/layer_sweep.h"
#include "explain/registry.h"
#include "graph/paths.h"
#include "image/decode.h"
#include "io/model.h"
#include "io/model_input.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;
using namespace camlens::test;

namespace {

// An RGB photo of `width` x `height` pixels: a dim background with a bright square at (x, y).
Image photo_with_patch(int width, int height, int x, int y, int side) {
  Image image(width, height, 3);
  for (int row = 0; row < height; ++row) {
    for (int col = 0; col < width; ++col) {
      const bool bright = col >= x && col < x + side && row >= y && row < y + side;
      for (int c = 0; c < 3; ++c) image.pixel(col, row)[c] = bright ? 255 : 26;
    }
  }
  return image;
}

// What the pipeline gives for the same box of the same photo, called directly.
std::vector<Explanation> direct(Model& model, const Image& image, const CropBox& box, std::vector<std::string> names,
                                Target target, MapSize size, const std::string& layer = {}) {
  std::vector<std::unique_ptr<Method>> methods;
  std::vector<Method*> pointers;
  for (const std::string& name : names) {
    methods.push_back(make_method(name));
    pointers.push_back(methods.back().get());
  }
  const Tensor input = preprocess_image(image, preprocess_spec(model.metadata, box));
  const Target targets[] = {target};
  return explain_all(model, input, pointers, targets, {.layer = layer, .sizes = {size}});
}

void check_same_map(const Map& a, const Map& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  for (size_t i = 0; i < a.values.size(); ++i) CHECK(a.values[i] == doctest::Approx(b.values[i]).epsilon(1e-6));
}

ViewRequest request_of(std::vector<std::string> names) {
  ViewRequest request;
  for (std::string& name : names) request.methods.push_back({std::move(name), nullptr});
  return request;
}

}  // namespace

TEST_CASE("Explainer: a view's maps are the pipeline's, for the model's default crop") {
  Explainer explainer(patch_model());
  const CropBox box = explainer.set_image(photo_with_patch(12, 12, 0, 0, 4));
  CHECK(box == CropBox{0, 0, 12, 12});  // the metadata's default: the whole image
  const ViewResult view = explainer.view(request_of({"grad-cam", "saliency", "cam"}));
  REQUIRE(view.prediction);
  CHECK(view.prediction->ranking.front() == 0);  // the bright patch speaks for class 0
  REQUIRE(view.explanations.size() == 3);
  CHECK(view.failures.empty());

  Model model = patch_model();
  const std::vector<Explanation> expected =
      direct(model, photo_with_patch(12, 12, 0, 0, 4), box, {"grad-cam", "saliency", "cam"}, Target::top(), {12, 12});
  for (size_t i = 0; i < expected.size(); ++i) {
    const ViewMap& got = view.explanations[i];
    CHECK(got.explanation.method == expected[i].method);
    CHECK(got.explanation.layer == expected[i].layer);
    CHECK(got.label == "class 0");
    CHECK(got.probability == doctest::Approx(expected[i].prediction.probabilities[0]));
    CHECK_FALSE(got.reused);
    check_same_map(got.explanation.raw, expected[i].raw);
    check_same_map(got.explanation.upsampled.front(), expected[i].upsampled.front());
    REQUIRE(got.pictures);
    CHECK(got.pictures->overlay.width() == 12);
    CHECK(got.pictures->overlay.channels() == 4);
  }
  // One forward pass; Grad-CAM and saliency share one backward pass, CAM needs none.
  CHECK(view.forward_passes == 1);
  CHECK(view.backward_passes == 1);
}

TEST_CASE("Explainer: recolouring runs no pass, a class change only backward passes, a crop one forward") {
  Explainer explainer(patch_model());
  explainer.set_image(photo_with_patch(20, 12, 2, 2, 4));
  ViewRequest request = request_of({"grad-cam", "layer-cam"});
  const ViewResult first = explainer.view(request);
  CHECK(first.forward_passes == 1);

  request.look.colormap = Colormap::gray;
  request.look.alpha = 0.9f;
  const ViewResult recoloured = explainer.view(request);
  CHECK(recoloured.forward_passes == 0);
  CHECK(recoloured.backward_passes == 0);
  REQUIRE(recoloured.explanations.size() == 2);
  CHECK(recoloured.explanations[0].reused);
  check_same_map(recoloured.explanations[0].explanation.raw, first.explanations[0].explanation.raw);
  CHECK(recoloured.explanations[0].pictures->overlay.bytes()[0] != first.explanations[0].pictures->overlay.bytes()[0]);

  request.targets = {Target::of_class(1)};
  const ViewResult other_class = explainer.view(request);
  CHECK(other_class.forward_passes == 0);
  CHECK(other_class.backward_passes == 1);
  CHECK(other_class.explanations[0].explanation.target_class == 1);
  CHECK_FALSE(other_class.explanations[0].reused);

  request.crop = CropBox{8, 0, 12, 12};
  const ViewResult cropped = explainer.view(request);
  CHECK(cropped.forward_passes == 1);
  CHECK(cropped.crop == CropBox{8, 0, 12, 12});
  Model model = patch_model();
  const std::vector<Explanation> expected = direct(model, photo_with_patch(20, 12, 2, 2, 4), {8, 0, 12, 12},
                                                   {"grad-cam"}, Target::of_class(1), {12, 12});
  check_same_map(cropped.explanations[0].explanation.raw, expected[0].raw);
}

TEST_CASE("Explainer: a method added to a view is the only one computed") {
  Explainer explainer(patch_model());
  explainer.set_image(photo_with_patch(12, 12, 4, 4, 4));
  explainer.view(request_of({"grad-cam"}));
  const ViewResult more = explainer.view(request_of({"grad-cam", "grad-cam++"}));
  REQUIRE(more.explanations.size() == 2);
  CHECK(more.explanations[0].reused);
  CHECK_FALSE(more.explanations[1].reused);
  CHECK(more.forward_passes == 0);
}

TEST_CASE("Explainer: the top-K strip and the layer sweep are the pipeline's, drawn at the strip size") {
  Rng rng(7);
  Explainer explainer(residual_model(rng));
  Rng same(7);
  Model model = residual_model(same);
  explainer.set_image(photo_with_patch(16, 16, 3, 5, 6));
  ViewRequest request = request_of({"grad-cam"});
  request.top_k = 3;
  request.layer_sweep = true;
  request.look.max_side = 12;
  request.look.thumbnail_side = 6;
  const ViewResult view = explainer.view(request);
  REQUIRE(view.top_k.size() == 3);
  const Tensor input = preprocess_image(photo_with_patch(16, 16, 3, 5, 6), preprocess_spec(model.metadata, {0, 0, 16, 16}));
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  const std::vector<Explanation> top = explain_top_k(model, input, *grad_cam, 3, {.sizes = {{6, 6}}});
  for (int rank = 0; rank < 3; ++rank) {
    CHECK(view.top_k[rank].explanation.target_class == top[rank].target_class);
    check_same_map(view.top_k[rank].explanation.raw, top[rank].raw);
    check_same_map(view.top_k[rank].explanation.upsampled.front(), top[rank].upsampled.front());
  }
  CHECK(view.explanations[0].explanation.upsampled.front().width == 12);
  const std::vector<Explanation> sweep = explain_layer_sweep(model, input, *grad_cam, Target::top(), {.sizes = {{6, 6}}});
  REQUIRE(view.layer_sweep.size() == sweep.size());
  for (size_t i = 0; i < sweep.size(); ++i) {
    CHECK(view.layer_sweep[i].explanation.layer == sweep[i].layer);
    check_same_map(view.layer_sweep[i].explanation.raw, sweep[i].raw);
  }
  // The top class's strip map at the default layer is the panel's: nothing is made twice.
  const ViewResult again = explainer.view(request);
  CHECK(again.backward_passes == 0);
  CHECK(again.top_k[0].reused);
  CHECK(again.layer_sweep.back().reused);
}

TEST_CASE("Explainer: CAM asked at another layer is shown at its own, with a note; what cannot run is a failure") {
  Rng rng(3);
  Explainer explainer(residual_model(rng));
  explainer.set_image(photo_with_patch(8, 8, 1, 1, 3));
  const std::vector<std::string> layers = GraphPaths(explainer.model().graph.nodes()).spatial_layers_feeding("logits");
  ViewRequest request = request_of({"cam", "grad-cam"});
  request.layer = layers.front();
  const ViewResult view = explainer.view(request);
  REQUIRE(view.explanations.size() == 2);
  CHECK(view.explanations[0].explanation.layer == "conv2");
  CHECK(view.explanations[0].note.find("CAM is defined only at conv2") != std::string::npos);
  CHECK(view.explanations[1].explanation.layer == layers.front());
  // Grad-CAM is shown where it was asked (a random model's map may still carry a note that it is blank).
  CHECK(view.explanations[1].note.find("is defined only at") == std::string::npos);

  Rng flat_rng(5);
  Explainer flat(flatten_model(flat_rng));
  flat.set_image(photo_with_patch(6, 6, 0, 0, 2));
  const ViewResult refused = flat.view(request_of({"cam", "saliency"}));
  REQUIRE(refused.failures.size() == 1);
  CHECK(refused.failures[0].method == "cam");
  CHECK(refused.failures[0].message.find("global average pool") != std::string::npos);
  REQUIRE(refused.explanations.size() == 1);
  CHECK(refused.explanations[0].explanation.method == "saliency");
}

TEST_CASE("Explainer: parts stream in order (prediction, fast maps, strips, each slow method) and add up to the view") {
  Explainer explainer(patch_model());
  explainer.set_image(photo_with_patch(12, 12, 0, 0, 4));
  ViewRequest request = request_of({"occlusion", "grad-cam", "saliency"});
  request.top_k = 2;
  std::vector<std::string> parts;
  std::vector<double> fractions;
  ViewCallbacks callbacks;
  callbacks.part = [&](const ViewResult& part) {
    CHECK(part.image_width == 12);  // every part says which image and box it is of
    CHECK(part.crop == CropBox{0, 0, 12, 12});
    std::string what;
    if (part.prediction) what += "prediction ";
    for (const ViewMap& map : part.explanations) what += map.explanation.method + " ";
    if (!part.top_k.empty()) what += "top_k ";
    parts.push_back(what);
  };
  callbacks.progress = [&](const Progress& p) {
    fractions.push_back(p.fraction);
    return true;
  };
  const ViewResult view = explainer.view(request, callbacks);
  CHECK(parts == std::vector<std::string>{"prediction ", "grad-cam saliency ", "top_k ", "occlusion "});
  REQUIRE(view.explanations.size() == 3);
  CHECK(view.explanations[2].explanation.method == "occlusion");
  CHECK(view.top_k.size() == 2);
  REQUIRE(!fractions.empty());
  for (size_t i = 1; i < fractions.size(); ++i) CHECK(fractions[i] >= fractions[i - 1]);
  CHECK(fractions.back() == doctest::Approx(1.0));
}

TEST_CASE("Explainer: a cancelled view keeps the maps it finished for the next one") {
  Explainer explainer(patch_model());
  explainer.set_image(photo_with_patch(12, 12, 0, 0, 4));
  ViewRequest request = request_of({"grad-cam", "occlusion"});
  ViewCallbacks callbacks;
  callbacks.progress = [](const Progress& p) { return p.stage.find("occlusion") == std::string_view::npos; };
  CHECK_THROWS_AS(explainer.view(request, callbacks), Cancelled);
  const ViewResult view = explainer.view(request);
  REQUIRE(view.explanations.size() == 2);
  CHECK(view.explanations[0].reused);
  CHECK_FALSE(view.explanations[1].reused);
  CHECK(view.forward_passes > 0);  // occlusion's own batches; the crop's forward pass is kept
}

TEST_CASE("Explainer: activation maximisation between views leaves the next view right") {
  Explainer explainer(patch_model());
  explainer.set_image(photo_with_patch(12, 12, 0, 0, 4));
  const ViewResult before = explainer.view(request_of({"grad-cam"}));
  explainer.visualize({.index = 1, .steps = 3});
  ViewRequest request = request_of({"grad-cam"});
  request.targets = {Target::of_class(1)};
  const ViewResult after = explainer.view(request);
  Model model = patch_model();
  const std::vector<Explanation> expected =
      direct(model, photo_with_patch(12, 12, 0, 0, 4), {0, 0, 12, 12}, {"grad-cam"}, Target::of_class(1), {12, 12});
  check_same_map(after.explanations[0].explanation.raw, expected[0].raw);
  CHECK(after.forward_passes == 1);  // the kept activations were replaced: run again
  CHECK(before.prediction->probabilities == after.prediction->probabilities);
}

TEST_CASE("Explainer: past its limit of kept maps, a view drops those it did not show") {
  Rng rng(3);
  Explainer explainer(residual_model(rng), 4);
  explainer.set_image(photo_with_patch(8, 8, 1, 1, 3));
  ViewRequest request = request_of({"grad-cam", "layer-cam"});
  for (int c : {0, 1, 2}) {
    request.targets = {Target::of_class(c)};
    explainer.view(request);  // 2, 4, then 6 maps kept: over the limit, only class 2's stay
  }
  CHECK(explainer.view(request).backward_passes == 0);  // class 2: kept
  request.targets = {Target::of_class(1)};
  CHECK(explainer.view(request).backward_passes == 1);  // class 1: dropped, made again

  Rng same(3);
  Explainer roomy(residual_model(same));
  roomy.set_image(photo_with_patch(8, 8, 1, 1, 3));
  for (int c : {0, 1, 2}) {
    request.targets = {Target::of_class(c)};
    roomy.view(request);
  }
  request.targets = {Target::of_class(0)};
  CHECK(roomy.view(request).backward_passes == 0);  // under the default limit, every map stays
}

TEST_CASE("Explainer: the metadata's crop in fractions becomes a box in pixels; bad requests say what is wrong") {
  Model model = patch_model();
  model.metadata.crop = {CropMode::box, 0.25f, 0.1f, 0.5f, 0.8f};
  Explainer explainer(std::move(model));
  CHECK_THROWS_WITH_AS(explainer.view(request_of({"grad-cam"})), doctest::Contains("no image"), Error);
  CHECK(explainer.set_image(photo_with_patch(40, 20, 0, 0, 4)) == CropBox{10, 2, 20, 16});
  ViewRequest request = request_of({"grad-cam"});
  request.crop = CropBox{30, 0, 20, 20};
  CHECK_THROWS_WITH_AS(explainer.view(request), doctest::Contains("crop"), Error);
  CHECK(explainer.crop() == CropBox{10, 2, 20, 16});  // the bad box changed nothing
  request.crop.reset();
  request.targets = {Target::of_class(5)};
  CHECK_THROWS_WITH_AS(explainer.view(request), doctest::Contains("out of range"), Error);
  CHECK_THROWS_WITH_AS(explainer.view(request_of({"no-such-method"})), doctest::Contains("known methods"), Error);
}

TEST_CASE("Explainer: describe gives each layer's distance from the output and each method's default layer") {
  Rng rng(3);
  const Explainer explainer(residual_model(rng));
  const ModelDescription d = explainer.describe();
  CHECK(d.labels.size() == 3);
  CHECK(d.color == "rgb");
  CHECK(d.default_layer == "conv2");
  const auto conv2 = std::find_if(d.layers.begin(), d.layers.end(), [](const LayerInfo& l) { return l.name == "conv2"; });
  REQUIRE(conv2 != d.layers.end());
  CHECK(conv2->explainable);
  CHECK(conv2->depth == 2);  // conv2 -> gap -> logits
  const auto cam = std::find_if(d.methods.begin(), d.methods.end(), [](const MethodDescription& m) { return m.name == "cam"; });
  REQUIRE(cam != d.methods.end());
  CHECK(cam->layer == "conv2");
  CHECK_FALSE(cam->why_not);
  const auto saliency =
      std::find_if(d.methods.begin(), d.methods.end(), [](const MethodDescription& m) { return m.name == "saliency"; });
  CHECK(saliency->per_pixel);
  CHECK(saliency->layer.empty());
}

TEST_CASE("Explainer: a map with nothing to show says why (SSR-Net saturated at 0 on the astronaut's face)") {
  Explainer explainer(load_model_file("models/gender-ssrnet-imdb/model.json"));
  explainer.set_image(decode_image_file("web/samples/astronaut.jpg"));
  ViewRequest request = request_of({"grad-cam", "saliency"});
  request.crop = CropBox{131, 32, 188, 188};  // the face BlazeFace finds, framed as the metadata asks
  const ViewResult view = explainer.view(request);
  REQUIRE(view.prediction);
  CHECK(view.prediction->probabilities[0] > 0.999f);  // female, the score below 1e-6
  REQUIRE(view.explanations.size() == 2);
  for (const ViewMap& map : view.explanations) {
    CAPTURE(map.explanation.method);
    CHECK(map.note.find("The map is zero everywhere") != std::string::npos);
  }
}
