#include "support/evaluate_models.h"

#include <memory>
#include <vector>

#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "support/explain_models.h"

namespace camlens::test {

Model region_model(float bias) {
  Graph g;
  g.add_input("input", Shape{16, 16, 1});
  Window2D window = Window2D::square(3, 1, PaddingMode::same);
  g.add(std::make_unique<Conv2D>("features", Tensor(Shape{3, 3, 1, 1}, std::vector<float>(9, 1.0f / 9.0f)),
                                 Tensor(Shape{1}, std::vector<float>{-0.1f}), ConvParams{window, Activation::relu}),
        {"input"});
  g.add(std::make_unique<Flatten>("flat"), {"features"});
  std::vector<float> kernel(16 * 16 * 2, 0.0f);  // [256 features, 2 classes]
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) kernel[(y * 16 + x) * 2] = 1.0f;
  g.add(std::make_unique<Dense>("logits", Tensor(Shape{256, 2}, kernel), Tensor(Shape{2}, std::vector<float>{bias, 0.0f})),
        {"flat"});
  return make_model(std::move(g), "logits", "");
}

}  // namespace camlens::test
