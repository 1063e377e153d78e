#!/usr/bin/env bash
# Installs what is missing, builds what the page and the CLI need (tests build with scripts/test.sh,
# benchmarks with scripts/bench.sh), runs the native demo (the shipped emotion model explains the
# shipped astronaut photo, written to build/demo/), and ends by serving the web page on 127.0.0.1
# (port 8080, or a free one if taken).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh app
scripts/build.sh app
image=tests/fixtures/images/astronaut_face.png
echo "== camlens predict $image"
build/native/camlens predict "$image" --top 3
echo "== camlens explain $image"
build/native/camlens explain "$image" --method cam,grad-cam,grad-cam++,saliency --out build/demo --json
echo "== the web page (Ctrl+C stops it)"
port=8080
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then port=0; fi  # 8080 answers: taken
exec node tools/serve.mjs --port "$port"
