#pragma once
// The allocation budget: the most bytes one Tensor or Image may take. A request above it is an
// Error naming what was asked for, checked before allocating, so a hostile model or image gets a
// message instead of an out-of-memory abort (WebAssembly) or the system's OOM killer (native).
#include <cstdint>
#include <string_view>

namespace camlens {

// In a 32-bit address space a quarter of the page modules' 2 GiB maximum memory (an activation, its
// gradient and the model must fit beside it); natively 8 GiB, more than any model camlens runs needs.
inline constexpr std::uint64_t kDefaultAllocationBudget =
    sizeof(void*) == 4 ? std::uint64_t{512} << 20 : std::uint64_t{8} << 30;

std::uint64_t allocation_budget();
void set_allocation_budget(std::uint64_t bytes);  // for tests and embedders with less memory

// Throws an Error unless `bytes` is within the budget; `what` names the request ("a [2, 3] tensor").
void check_allocation(std::uint64_t bytes, std::string_view what);

}  // namespace camlens
