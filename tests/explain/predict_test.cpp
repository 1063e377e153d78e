#include "explain/predict.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "core/error.h"
#include "explain/registry.h"
#include "image/decode.h"
#include "io/model_input.h"
#include "layers/dense.h"
#include "support/explain_models.h"

using namespace camlens;
using namespace camlens::explain;

TEST_CASE("predict gives the prediction an explanation carries; without a Softmax node, softmax of the logits") {
  test::Rng rng(7);
  Model with_softmax = test::residual_model(rng);
  test::Rng same(7);
  Model without_softmax = test::residual_model(same);
  without_softmax.probabilities.clear();  // the graph still ends with "probs", but predict must not read it
  Tensor input(Shape::nhwc(1, 8, 8, 3));
  for (size_t i = 0; i < input.size(); ++i) input[i] = std::sin(0.37f * static_cast<float>(i));

  const Prediction p = predict(with_softmax, input);
  std::unique_ptr<Method> grad_cam = make_method("grad-cam");
  const Explanation e = explain_target(with_softmax, input, *grad_cam);
  CHECK(p.logits == e.prediction.logits);
  CHECK(p.probabilities == e.prediction.probabilities);
  CHECK(p.ranking == e.prediction.ranking);

  const Prediction q = predict(without_softmax, input);
  CHECK(q.logits == p.logits);
  // Softmax by hand; 1e-6: float rounding of values below 1.
  double sum = 0.0;
  for (float logit : q.logits) sum += std::exp(static_cast<double>(logit));
  REQUIRE(q.probabilities.size() == 3);
  for (size_t c = 0; c < 3; ++c) CHECK(std::fabs(q.probabilities[c] - std::exp(q.logits[c]) / sum) <= 1e-6);
  CHECK(q.ranking == p.ranking);
  CHECK(p.probabilities[p.ranking[0]] >= p.probabilities[p.ranking[1]]);
  CHECK(p.probabilities[p.ranking[1]] >= p.probabilities[p.ranking[2]]);

  CHECK_THROWS_WITH_AS(predict(with_softmax, Tensor(Shape::nhwc(2, 8, 8, 3))),
                       doctest::Contains("one image at a time: the input must have batch 1, got [2, 8, 8, 3]"), Error);
}

// The astronaut's face (tests/fixtures/images/astronaut_face.png, cropped from scikit-image's
// public-domain astronaut.png at x=158, y=48, 140x140): TensorFlow.js calls it happy with
// probability > 0.999, and so must we, through the metadata's own preprocessing.
TEST_CASE("emotion model: the astronaut's face is happy with probability > 0.999") {
  Model model = load_model_file("models/emotion/model.json");
  const Image face = decode_image_file("tests/fixtures/images/astronaut_face.png", {.channels = 3});
  REQUIRE(face.width() == 140);
  REQUIRE(face.height() == 140);
  // The PNG holds the same bytes as the raw RGB file the Node test feeds TensorFlow.js.
  std::ifstream raw_file("tests/fixtures/images/astronaut_face.rgb", std::ios::binary);
  const std::vector<char> raw{std::istreambuf_iterator<char>(raw_file), std::istreambuf_iterator<char>()};
  REQUIRE(raw.size() == face.size());
  CHECK(std::equal(raw.begin(), raw.end(), face.data(),
                   [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }));

  const CropBox box = default_crop_box(model.metadata.crop, face.width(), face.height());  // "center": all of it
  CHECK((box.x == 0 && box.y == 0 && box.width == 140 && box.height == 140));
  const Prediction p = predict(model, preprocess_image(face, preprocess_spec(model.metadata, box)));
  const int happy = 3;
  CHECK(model.metadata.labels[happy] == "happy");
  CHECK(p.ranking.front() == happy);
  MESSAGE("astronaut face: p(happy) = ", p.probabilities[happy]);
  CHECK(p.probabilities[happy] > 0.999f);
}

TEST_CASE("predict: logits that are not finite are a NonFiniteError naming the first layer that overflowed") {
  Graph graph;
  graph.add_input("x", Shape{4});
  Tensor huge(Shape{4, 2});
  huge.fill(3.4e38f);
  graph.add(std::make_unique<Dense>("hidden", std::move(huge), Tensor()), {"x"});
  Tensor ones(Shape{2, 3});
  ones.fill(1.0f);
  graph.add(std::make_unique<Dense>("logits", std::move(ones), Tensor()), {"hidden"});
  Model model{std::move(graph), {}, "logits", ""};
  Tensor input(Shape{1, 4});
  input.fill(1.0f);
  CHECK_THROWS_WITH_AS(predict(model, input), doctest::Contains("output 'logits' holds a NaN or an infinity, first produced by Dense 'hidden'"),
                       NonFiniteError);
  std::unique_ptr<Method> saliency = make_method("saliency");
  CHECK_THROWS_WITH_AS(explain_target(model, input, *saliency), doctest::Contains("first produced by Dense 'hidden'"),
                       NonFiniteError);
}
