// The committed Fashion-MNIST model (models/fashion-mnist), natively: it scores >= 91% on the whole
// official test set, and every epoch snapshot of the time-lapse loads as the same architecture.
// Native only: the IDX reader needs zlib (tests/node/fashion_mnist.test.mjs checks the WebAssembly
// build and TensorFlow.js on the same model).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/model.h"
#include "train/idx.h"
#include "train/training.h"

using namespace camlens;

namespace {

const std::filesystem::path kModelDir = "models/fashion-mnist";

std::vector<std::string> node_shapes(const Model& model) {
  std::vector<std::string> shapes;
  for (const NodeInfo& node : model.graph.nodes()) shapes.push_back(node.name + node.item_shape.str());
  return shapes;
}

}  // namespace

TEST_CASE("the committed Fashion-MNIST model scores at least 91% on the 10,000 test images") {
  Model model = load_model_file(kModelDir / "model.json");
  CHECK(model.metadata.labels == fashion_mnist_labels());
  const Dataset test = load_fashion_mnist().test;
  REQUIRE(test.size() == 10000);
  const Evaluation result = evaluate_classifier(model.graph, test, 500, model.logits);
  MESSAGE("test accuracy ", 100.0 * result.accuracy, "%, loss ", result.loss);
  CHECK(result.accuracy >= 0.91);
}

TEST_CASE("every epoch snapshot loads with the final model's architecture and explain layer") {
  const Model final_model = load_model_file(kModelDir / "model.json");
  int snapshots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kModelDir / "epochs")) {
    CAPTURE(entry.path().string());
    const Model snapshot = load_model_file(entry.path() / "model.json");
    CHECK(node_shapes(snapshot) == node_shapes(final_model));
    CHECK(snapshot.metadata.explain_layer == final_model.metadata.explain_layer);
    ++snapshots;
  }
  CHECK(snapshots >= 2);
}
