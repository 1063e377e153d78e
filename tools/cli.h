#pragma once
// The command line's plumbing, shared by the camlens commands: options, and the errors that
// become exit codes.
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/model.h"

namespace camlens::cli {

// A bad command line: exit code 2, with the command's usage hint.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An input that could not be used (exit code 3); `what()` names it.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string_view name;  // without the leading "--"
  bool takes_value;
  // Takes every following argument up to the next option ("--probe a.png b.png"), and may repeat.
  bool many = false;
};

struct Arguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> values;  // flags map to ""; a `many` option its last value
  std::map<std::string, std::vector<std::string>, std::less<>> lists;  // every value of a `many` option

  bool has(std::string_view name) const { return values.find(name) != values.end(); }
  std::optional<std::string> get(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::vector<std::string> get_all(std::string_view name) const {
    auto it = lists.find(name);
    return it == lists.end() ? std::vector<std::string>{} : it->second;
  }
};

// "--name value", "--name=value" and flags; "--" ends the options. Unknown options are errors.
Arguments parse_arguments(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

// A whole number of at least `min`, for --option.
int parse_int(const std::string& text, std::string_view option, int min);

// The non-empty items of a comma-separated list ("a,,b" gives a and b).
std::vector<std::string> split_commas(const std::string& text);

// --method's argument: "all" (every registered method) or a list of names, each checked to exist.
std::vector<std::string> method_names(const std::string& argument);

// --metadata FILE and --labels FILE, for load_model_file (empty paths when not given).
ModelSidecars model_sidecars(const Arguments& args);

// The default of --threads: every hardware thread (1 if the library cannot tell).
int hardware_threads();

// A shipped model's model.json (models/NAME) in an ancestor of the executable's folder (the
// repository it was built in), else in the current directory; an InputError saying `why` it was
// needed when neither has it.
std::filesystem::path repository_model_json(const std::string& name, const std::string& why);

}  // namespace camlens::cli
