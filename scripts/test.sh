#!/usr/bin/env bash
# Installs, builds and runs every test: the doctest suite natively and as WebAssembly in Node
# (through ctest), then the Node tests, then the page's browser tests, then the hostile-input stages:
# each fuzz harness over its seeds and regression inputs, and the native doctest suite under
# AddressSanitizer and UBSan. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1
scripts/build.sh || exit 1

passed=0
failed=0
skipped=0
# What failed, by name, printed again just before the summary line, where a truncated log still shows it.
failures=$(mktemp)
tally_ctest() {  # $1: build dir, then ctest's options
  local dir=$1 log
  shift
  log=$(mktemp)
  (cd "$dir" && ctest -j2 --output-on-failure "$@") | tee "$log"
  local summary total bad skips
  summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
  if [ -z "$summary" ]; then
    total=1
    bad=1
    echo "$dir: ctest printed no summary" >> "$failures"
  fi
  # ctest counts a skipped entry (a missing requirement, tests/support/requirements.h) as passed.
  skips=$(grep -cE "^\s+[0-9]+ - .* \(Skipped\)$" "$log")
  sed -n '/The following tests FAILED:/,$p' "$log" | grep -E "^\s+[0-9]+ - " | sed "s|^\s*|$dir: |" >> "$failures"
  passed=$((passed + total - bad - skips))
  failed=$((failed + bad))
  skipped=$((skipped + skips))
  rm -f "$log"
}

echo "== native doctest suite"
tally_ctest build/native
echo "== WebAssembly doctest suite (Node)"
tally_ctest build/wasm

tally_node_tests() {  # $1: title, $2: folder, then node's options
  local title=$1 folder=$2 files log node_pass node_fail
  shift 2
  files=$(find "$folder" -name '*.test.mjs' | sort)
  [ -n "$files" ] || return 0
  echo "== $title"
  log=$(mktemp)
  # shellcheck disable=SC2086
  node "$@" --test --test-concurrency=1 $files | tee "$log"
  node_pass=$(grep -E "^# pass [0-9]+" "$log" | awk '{print $3}')
  node_fail=$(grep -E "^# fail [0-9]+" "$log" | awk '{print $3}')
  grep -E "^not ok [0-9]+ - " "$log" | sed "s|^|$folder: |" >> "$failures"
  [ -n "$node_fail" ] || echo "$folder: node's test runner printed no summary" >> "$failures"
  passed=$((passed + ${node_pass:-0}))
  failed=$((failed + ${node_fail:-1}))
  rm -f "$log"
}

tally_node_tests "Node tests" tests/node --no-experimental-fetch
# The page in headless Chromium (screenshots of each state land in build/screenshots/). Playwright
# needs Node's fetch classes, so no --no-experimental-fetch here.
tally_node_tests "Browser tests (Chromium)" tests/browser

# Hostile input: the fuzz harnesses over their seeds and tests/fixtures/hostile/, then a few thousand mutations each,
# then the native doctest suite built with AddressSanitizer and UBSan (build/sanitize), UBSan's
# findings fatal. Each fuzz target is one result.
echo "== Fuzz harnesses over their seeds and regression inputs (build/fuzz)"
fuzz_log=$(mktemp)
scripts/fuzz.sh --regress | tee "$fuzz_log"
fuzz_pass=$(grep -cE "^fuzz regress [a-z_]+: ok" "$fuzz_log")
fuzz_fail=$(grep -cE "^fuzz regress [a-z_]+: FAILED" "$fuzz_log")
grep -E "^fuzz regress [a-z_]+: FAILED" "$fuzz_log" >> "$failures"
if [ $((fuzz_pass + fuzz_fail)) -eq 0 ]; then fuzz_fail=1; fi  # the build failed: nothing ran
passed=$((passed + fuzz_pass))
failed=$((failed + fuzz_fail))
rm -f "$fuzz_log"

echo "== Native doctest suite under AddressSanitizer and UBSan (build/sanitize)"
if [ ! -f build/sanitize/build.ninja ]; then
  cmake -G Ninja -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Release -DCAMLENS_SANITIZE=ON >/dev/null
fi
if cmake --build build/sanitize --target camlens_tests; then
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tally_ctest build/sanitize -E '^tools/'
else
  failed=$((failed + 1))
  echo "build/sanitize: camlens_tests did not build" >> "$failures"
fi

[ "$skipped" -eq 0 ] || echo "camlens: $skipped ctest entries skipped a test case for a missing requirement (listed above)"
if [ -s "$failures" ]; then
  echo "camlens: what failed:"
  sed 's/^/  /' "$failures"
fi
rm -f "$failures"
echo "camlens: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
