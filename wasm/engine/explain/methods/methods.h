#pragma once
// Factories of the methods in this folder, one file each (registered in explain/registry.cpp).
#include <memory>

#include "explain/method.h"

namespace camlens::explain {

std::unique_ptr<Method> make_grad_cam();

}  // namespace camlens::explain
