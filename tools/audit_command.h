#pragma once
// `camlens audit`: where every class of a dataset looks (tools/audit_command.cpp).
#include <vector>

#include "cli.h"

namespace camlens::cli {

extern const char* const kAuditHelp;
const std::vector<OptionSpec>& audit_option_specs();
int run_audit(const Arguments& args);

}  // namespace camlens::cli
