#!/usr/bin/env bash
# Builds the engine natively (build/native) and as WebAssembly (build/wasm). Warm builds take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # emcc needs acorn from Debian's node modules

if [ ! -f build/native/build.ninja ]; then
  cmake -G Ninja -S . -B build/native -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build/native

if [ ! -f build/wasm/build.ninja ]; then
  emcmake cmake -G Ninja -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build/wasm
