#pragma once
// `camlens data shortcut`: writes a dataset with a planted shortcut (tools/data_command.cpp).
#include <vector>

#include "cli.h"

namespace camlens::cli {

extern const char* const kDataHelp;
const std::vector<OptionSpec>& data_option_specs();
int run_data(const Arguments& args);

}  // namespace camlens::cli
