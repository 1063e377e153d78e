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
// Per-pixel methods (their options: methods/pixel_methods.h).
std::unique_ptr<Method> make_saliency();
std::unique_ptr<Method> make_gradient_x_input();
std::unique_ptr<Method> make_smooth_grad();
std::unique_ptr<Method> make_integrated_gradients();
std::unique_ptr<Method> make_guided_backprop();
std::unique_ptr<Method> make_guided_grad_cam();
std::unique_ptr<Method> make_occlusion();

}  // namespace camlens::explain
