#!/usr/bin/env bash
# Installs whatever camlens needs that this Debian 12 machine lacks. Idempotent, no prompts.
#   scripts/install-deps.sh [all|app]
#     all  Debian packages (PyTorch among them) and the npm packages the tests and benchmarks use
#          (the default)
#     app  Debian packages and gifenc, the one npm package the page uses (its GIF export)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
case "$what" in
  all|app) ;;
  *) echo "usage: scripts/install-deps.sh [all|app] (got '$what')" >&2; exit 2 ;;
esac

packages=(cmake ninja-build g++ python3 zlib1g-dev emscripten libstb-dev doctest-dev libxnnpack-dev libpthreadpool-dev
          nlohmann-json3-dev libeigen3-dev libspectra-dev libprotozero-dev dataset-fashion-mnist libgif-dev fonts-dejavu-core chromium chromium-driver
          clang-14 libclang-rt-14-dev)  # the fuzz harnesses (scripts/fuzz.sh): clang with libFuzzer
# The tests compare ONNX models with PyTorch on the same export (tests/onnx/make_models.py).
[ "$what" = all ] && packages+=(python3-torch)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "camlens: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# npm ci only when the lock file changed since the last install. The page itself needs one npm
# package (gifenc, its GIF export): the app install takes just that.
if [ "$what" = all ] && { [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --no-audit --no-fund
elif [ "$what" = app ] && [ ! -d node_modules/gifenc ]; then
  npm ci --omit=dev --no-audit --no-fund
fi
