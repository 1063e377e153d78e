#pragma once
// `camlens train`: trains a classifier and writes its time-lapse (tools/train_command.cpp).
#include <vector>

#include "cli.h"

namespace camlens::cli {

extern const char* const kTrainHelp;
const std::vector<OptionSpec>& train_option_specs();
int run_train(const Arguments& args);

}  // namespace camlens::cli
