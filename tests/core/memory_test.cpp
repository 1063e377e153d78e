#include "core/memory.h"

#include <doctest/doctest.h>

#include "core/error.h"
#include "core/tensor.h"
#include "image/image.h"

using namespace camlens;

namespace {

// Lowers the allocation budget for one test, restoring it afterwards.
class BudgetOf {
 public:
  explicit BudgetOf(std::uint64_t bytes) : saved_(allocation_budget()) { set_allocation_budget(bytes); }
  ~BudgetOf() { set_allocation_budget(saved_); }

 private:
  std::uint64_t saved_;
};

}  // namespace

TEST_CASE("memory: the default budget is finite in every build") {
  CHECK(allocation_budget() == kDefaultAllocationBudget);
  CHECK(kDefaultAllocationBudget <= (std::uint64_t{8} << 30));
}

TEST_CASE("memory: a Tensor or Image over the budget is an Error before anything is allocated") {
  const BudgetOf budget(1 << 20);
  CHECK(Tensor(Shape{512, 512}).size() == 512 * 512);  // exactly 1 MiB
  CHECK_THROWS_WITH_AS(Tensor(Shape{1, 513, 512, 1}),
                       doctest::Contains("cannot allocate a [1, 513, 512, 1] tensor: it needs 1050624 bytes, over "
                                         "camlens' limit of 1048576 bytes"),
                       Error);
  Tensor grown(Shape{4});
  CHECK_THROWS_AS(grown.reshape_storage(Shape{2, 512, 512}), Error);
  CHECK(Image(1024, 1024, 1).size() == 1 << 20);
  CHECK_THROWS_WITH_AS(Image(1024, 1024, 3), doctest::Contains("cannot allocate a 1024x1024x3 image: it needs 3145728 bytes"),
                       Error);
  CHECK_THROWS_WITH_AS(Image(INT32_MAX, INT32_MAX, 4), doctest::Contains("it needs 18446744056529682436 bytes"), Error);
}
