#!/usr/bin/env bash
# The quick start: installs dependencies, builds, generates sample feeds
# and runs the whole pipeline on them against the embedded broker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
rows=${ROWS:-20000}
out=${OUT:-out/demo}
rm -rf "$out"
./build/cli/credpipe gen --out "$out" --rows "$rows" --seed 7
echo
echo "== credpipe run -c $out/credpipe.yaml --once"
./build/cli/credpipe run -c "$out/credpipe.yaml" --once --report-json "$out/report.json"
echo
echo "The sharing report is also in $out/report.json; the exact truth is in $out/truth.json."
