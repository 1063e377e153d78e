#include "cli.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "explain/registry.h"

namespace camlens::cli {

Arguments parse_arguments(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
  Arguments out;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.size() < 2 || arg.rfind("-", 0) != 0) {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "-h") {
      out.values["help"] = "";
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string name = arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
    if (arg.rfind("--", 0) != 0 || spec == specs.end()) throw UsageError("unknown option '" + arg + "'");
    if (!spec->takes_value) {
      if (equals != std::string::npos) throw UsageError("option --" + name + " takes no value");
      out.values[name] = "";
    } else if (equals != std::string::npos) {
      out.values[name] = arg.substr(equals + 1);
      if (spec->many) out.lists[name].push_back(out.values[name]);
    } else if (spec->many) {
      std::vector<std::string>& list = out.lists[name];
      const size_t before = list.size();
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) list.push_back(args[++i]);
      if (list.size() == before) throw UsageError("option --" + name + " needs at least one value");
      out.values[name] = list.back();
    } else if (i + 1 < args.size()) {
      out.values[name] = args[++i];
    } else {
      throw UsageError("option --" + name + " needs a value");
    }
  }
  return out;
}

int parse_int(const std::string& text, std::string_view option, int min) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw UsageError("--" + std::string(option) + " needs a whole number, got '" + text + "'");
  }
  if (value < min) {
    throw UsageError("--" + std::string(option) + " must be at least " + std::to_string(min) + ", got " + text);
  }
  return value;
}

ModelSidecars model_sidecars(const Arguments& args) {
  return {args.get("metadata").value_or(""), args.get("labels").value_or("")};
}

int hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::vector<std::string> method_names(const std::string& argument) {
  std::vector<std::string> names;
  if (argument == "all") {
    for (const camlens::explain::MethodInfo& info : camlens::explain::registered_methods()) names.emplace_back(info.name);
    return names;
  }
  names = split_commas(argument);
  if (names.empty()) throw UsageError("--method needs a method name; see 'camlens methods'");
  for (const std::string& name : names) {
    try {
      camlens::explain::make_method(name);
    } catch (const camlens::Error& e) {
      throw UsageError(std::string("--method: ") + e.what());
    }
  }
  return names;
}

std::filesystem::path repository_model_json(const std::string& name, const std::string& why) {
  const std::filesystem::path relative = std::filesystem::path("models") / name / "model.json";
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::canonical("/proc/self/exe", error);
  if (!error) {
    for (std::filesystem::path dir = exe.parent_path(); !dir.empty(); dir = dir.parent_path()) {
      if (std::filesystem::is_regular_file(dir / relative)) return dir / relative;
      if (dir == dir.root_path()) break;
    }
  }
  if (std::filesystem::is_regular_file(relative)) return relative;
  throw InputError(why + ", and " + relative.string() +
                   " is neither in the repository camlens was built in nor in the current directory");
}

}  // namespace camlens::cli
