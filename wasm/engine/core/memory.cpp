#include "core/memory.h"

#include <atomic>

#include "core/error.h"

namespace camlens {

namespace {
std::atomic<std::uint64_t> budget{kDefaultAllocationBudget};
}  // namespace

std::uint64_t allocation_budget() { return budget.load(std::memory_order_relaxed); }

void set_allocation_budget(std::uint64_t bytes) { budget.store(bytes, std::memory_order_relaxed); }

void check_allocation(std::uint64_t bytes, std::string_view what) {
  const std::uint64_t limit = allocation_budget();
  if (bytes > limit) {
    fail("cannot allocate ", what, ": it needs ", bytes, " bytes, over camlens' limit of ", limit,
         " bytes for one buffer; use a smaller input or model");
  }
}

}  // namespace camlens
