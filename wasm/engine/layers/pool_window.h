#pragma once
// Shared by MaxPool and AvgPool: resolves a pooling window against an NHWC input shape.
#include <string>

#include "core/tensor.h"
#include "kernels/pool.h"
#include "kernels/window.h"

namespace camlens {

// Throws an Error naming `kind` and `name` unless the input is rank 4 and the window fits it
// with every window keeping at least one in-bounds pixel (pads smaller than the window).
kernels::PoolGeometry pool_geometry(const Window2D& window, const Shape& in, const char* kind,
                                    const std::string& name);

}  // namespace camlens
