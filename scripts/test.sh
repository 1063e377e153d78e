#!/usr/bin/env bash
# Installs, builds and runs every test: the doctest suite natively and as WebAssembly in Node
# (through ctest), then the Node tests, then the page's browser tests. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1
scripts/build.sh || exit 1

passed=0
failed=0
tally_ctest() {  # $1: build dir
  local log
  log=$(mktemp)
  (cd "$1" && ctest -j2 --output-on-failure) | tee "$log"
  local summary total bad
  summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
  if [ -z "$summary" ]; then total=1; bad=1; fi
  passed=$((passed + total - bad))
  failed=$((failed + bad))
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
  passed=$((passed + ${node_pass:-0}))
  failed=$((failed + ${node_fail:-1}))
  rm -f "$log"
}

tally_node_tests "Node tests" tests/node --no-experimental-fetch
# The page in headless Chromium (screenshots of each state land in build/screenshots/). Playwright
# needs Node's fetch classes, so no --no-experimental-fetch here.
tally_node_tests "Browser tests (Chromium)" tests/browser

echo "camlens: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
