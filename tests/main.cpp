// doctest's runner with two checks of our own, so that no ctest entry passes without testing:
// - a run that starts no test case fails (a filter that matches nothing, a file compiled out);
// - test cases skipped for a missing requirement (support/requirements.h) are listed, and the run
//   then exits with kSkippedExitCode unless something failed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/requirements.h"

namespace {

struct RunRecord {
  int started = 0;
  std::vector<std::string> skipped;  // "test name: reason"
};

RunRecord& record() {
  static RunRecord run;
  return run;
}

// Whether the command line's file, suite and name filters select `test` (doctest's own matching,
// from its implementation, which this file compiles): a skip decorator only counts for those.
bool selected(const doctest::TestCaseData& test) {
  const doctest::detail::ContextState& state = *doctest::detail::g_cs;
  auto included = [&](const char* value, int filter) {
    return doctest::matchesAny(value, state.filters[filter], true, state.case_sensitive) &&
           !doctest::matchesAny(value, state.filters[filter + 1], false, state.case_sensitive);
  };
  return included(test.m_file.c_str(), 0) && included(test.m_test_suite, 2) && included(test.m_name, 4);
}

class RunRecorder : public doctest::IReporter {
 public:
  explicit RunRecorder(const doctest::ContextOptions&) {}
  void test_case_start(const doctest::TestCaseData&) override { ++record().started; }
  void test_case_skipped(const doctest::TestCaseData& test) override {
    if (!test.m_skip || !selected(test)) return;
    const std::string reason = camlens::test::missing_requirement(test.m_file.c_str(), test.m_line);
    if (!reason.empty()) record().skipped.push_back(std::string(test.m_name) + ": " + reason);
  }
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
};

DOCTEST_REGISTER_LISTENER("camlens-run-record", 1, RunRecorder);

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;  // --help, --list-test-cases, --count and the like run nothing
  const RunRecord& run = record();
  for (const std::string& skip : run.skipped) std::printf("[camlens] SKIPPED %s\n", skip.c_str());
  if (run.started == 0 && run.skipped.empty()) {
    std::string arguments;
    for (int i = 1; i < argc; ++i) arguments += (i > 1 ? " " : "") + std::string(argv[i]);
    std::printf("[camlens] FAILED: no test case ran; the command line (%s) selects none in this build.\n"
                "A test file for one build only goes in CMakeLists.txt's NATIVE_ONLY_TESTS or WASM_ONLY_TESTS.\n",
                arguments.empty() ? "no filters" : arguments.c_str());
    return 1;
  }
  if (result != 0) return result;
  if (!run.skipped.empty()) {
    std::printf("[camlens] %zu test case(s) skipped, %d ran\n", run.skipped.size(), run.started);
    return camlens::test::kSkippedExitCode;
  }
  return 0;
}
