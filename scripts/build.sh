#!/usr/bin/env bash
# Configures and builds credpipe into build/ (or $1), passing further
# arguments to cmake, e.g.: scripts/build.sh build-asan -DCP_SANITIZE=address,undefined
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCP_WERROR=ON "$@" >/dev/null
ninja -C "$dir"
