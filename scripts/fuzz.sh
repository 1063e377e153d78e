#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/*_fuzz.cpp) with clang, ASan and UBSan in build/fuzz, and runs them.
#
#   scripts/fuzz.sh [TARGET] [SECONDS]   fuzz TARGET (image, graph_model, layers_model, weights, metadata, onnx,
#                                        idx, folder_listing, timeline, audit; all by default) for SECONDS
#                                        each (default 60); prints executions,
#                                        coverage and time per target. Extra libFuzzer flags: FUZZ_FLAGS,
#                                        e.g. FUZZ_FLAGS="-fork=1 -ignore_crashes=1" to go on past a crash.
#   scripts/fuzz.sh --regress [TARGET]   what scripts/test.sh runs: each harness once over every seed and
#                                        every input in tests/fixtures/hostile/TARGET/, then a fixed number
#                                        of mutations from a fixed random seed (libFuzzer reads the corpus in
#                                        directory order, so runs can still differ). Prints "fuzz regress TARGET: ok".
#
# Seeds are generated from the repository's fixtures (tests/fuzz/make_corpus.py) into build/fuzz/seeds/;
# inputs the fuzzer finds new coverage with collect in build/fuzz/corpus/TARGET/, crashing ones in
# build/fuzz/crashes/TARGET/. A crash that is not a known defect belongs in tests/fixtures/hostile/TARGET/.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=fuzz
if [ "${1:-}" = "--regress" ]; then
  mode=regress
  shift
fi
target=${1:-all}
seconds=${2:-60}
# Mutations per target in --regress mode: about 12 s each here.
regress_runs=${FUZZ_REGRESS_RUNS:-3000}

all_targets=$(find tests/fuzz -name '*_fuzz.cpp' -printf '%f\n' | sed 's/_fuzz\.cpp$//' | sort)
if [ "$target" = all ]; then
  targets=$all_targets
elif grep -qx "$target" <<<"$all_targets"; then
  targets=$target
else
  echo "fuzz.sh: no harness '$target'; the targets are: all" $all_targets >&2
  exit 2
fi

build=build/fuzz
if [ ! -f $build/build.ninja ]; then
  CXX=${FUZZ_CXX:-clang++-14} cmake -G Ninja -S . -B $build -DCMAKE_BUILD_TYPE=Release -DCAMLENS_FUZZ=ON >/dev/null || exit 1
fi
# shellcheck disable=SC2046
cmake --build $build --target $(printf 'fuzz_%s ' $targets) || exit 1
rm -rf $build/seeds
python3 tests/fuzz/make_corpus.py $build/seeds || exit 1

dictionary() {  # $1: target; prints libFuzzer's -dict flag, or nothing for a format without one
  case "$1" in
    image | onnx) echo "-dict=tests/fuzz/$1.dict" ;;
    idx) ;;  # a binary header of a few bytes: mutation finds its values alone
    *) echo -dict=tests/fuzz/json.dict ;;
  esac
}

# -rss_limit_mb: a parser asked to allocate without bound is a finding, not a machine to fill.
common_flags=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1)

failed=0
for t in $targets; do
  hostile=tests/fixtures/hostile/$t
  dirs=($build/seeds/$t)
  [ -d "$hostile" ] && dirs+=("$hostile")
  log=$build/fuzz_$t.log
  mkdir -p $build/crashes/$t
  start=$(date +%s)
  if [ $mode = regress ]; then
    # Every seed and hostile input once, then mutations in a scratch corpus (CI keeps nothing).
    mapfile -t inputs < <(find "${dirs[@]}" -type f ! -name README.md | sort)
    scratch=$(mktemp -d)
    cp "${inputs[@]}" "$scratch"/ 2>/dev/null
    { "$build/fuzz_$t" "${common_flags[@]}" -artifact_prefix=$build/crashes/$t/ "${inputs[@]}" &&
      "$build/fuzz_$t" "${common_flags[@]}" -artifact_prefix=$build/crashes/$t/ $(dictionary $t) \
        -seed=1 -runs="$regress_runs" "$scratch"; } >"$log" 2>&1
    status=$?
    rm -rf "$scratch"
  else
    mkdir -p $build/corpus/$t
    # shellcheck disable=SC2086
    "$build/fuzz_$t" "${common_flags[@]}" -artifact_prefix=$build/crashes/$t/ $(dictionary $t) \
      -max_total_time="$seconds" ${FUZZ_FLAGS:-} $build/corpus/$t "${dirs[@]}" >"$log" 2>&1
    status=$?
  fi
  elapsed=$(($(date +%s) - start))
  executions=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{sum += $2} END {print sum + 0}')
  if [ "$executions" = 0 ]; then  # -fork mode prints no final stats: its last "#N" line counts them
    executions=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
  crash=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //')
  if [ $status -eq 0 ]; then result=ok; else result="FAILED (exit $status${crash:+, input $crash}; log $log)"; fi
  if [ $mode = regress ]; then
    echo "fuzz regress $t: $result (${#inputs[@]} inputs, then $executions executions in all, ${coverage:-no coverage line}, ${elapsed} s)"
  else
    echo "fuzz $t: $executions executions in ${elapsed} s, ${coverage:-no coverage line}: $result"
  fi
  [ $status -eq 0 ] || failed=$((failed + 1))
done
[ $failed -eq 0 ]
