#pragma once
// `camlens evaluate`: faithfulness metrics of explanation methods on images (tools/evaluate_command.cpp).
#include <vector>

#include "cli.h"

namespace camlens::cli {

extern const char* const kEvaluateHelp;
const std::vector<OptionSpec>& evaluate_option_specs();
int run_evaluate(const Arguments& args);

}  // namespace camlens::cli
