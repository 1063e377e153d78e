#pragma once
// Factories of the methods in this folder, one file each (registered in explain/registry.cpp).
#include <memory>

#include "explain/method.h"

namespace camlens::explain {

std::unique_ptr<Method> make_cam();
std::unique_ptr<Method> make_grad_cam();
std::unique_ptr<Method> make_grad_cam_plus_plus();
std::unique_ptr<Method> make_hires_cam();
std::unique_ptr<Method> make_xgrad_cam();
std::unique_ptr<Method> make_layer_cam();
std::unique_ptr<Method> make_eigen_cam();
std::unique_ptr<Method> make_score_cam();

}  // namespace camlens::explain
