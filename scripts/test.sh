#!/usr/bin/env bash
# The whole test suite: installs dependencies (as root), builds credpipe
# twice and runs every test:
#   build/       optimised, warnings as errors: unit tests
#   build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer: unit tests,
#                integration tests against a real Apache Kafka (fetched from
#                Maven Central once, cached) and against the embedded broker
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

echo "== build (RelWithDebInfo, -Werror)"
scripts/build.sh build
echo "== unit tests"
ctest --test-dir build -L unit --output-on-failure -j "$jobs"
echo "== benchmark smoke (figures mean nothing at this size)"
BENCH_C=0 CREDPIPE=build/cli/credpipe bench/bench.sh 20000
CREDPIPE=build/cli/credpipe bench/latency.sh 20000 3

echo "== build-asan (address,undefined)"
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DCP_SANITIZE=address,undefined
echo "== all tests under the sanitizers"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-asan --output-on-failure -j "$jobs"
