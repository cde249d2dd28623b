#!/usr/bin/env bash
# Installs what credpipe needs to build and test on Debian 12, as root.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

pkgs=(
  # build
  build-essential cmake ninja-build pkg-config
  protobuf-c-compiler libprotobuf-c-dev librdkafka-dev libzstd-dev
  libyaml-dev libjansson-dev libxxhash-dev libssl-dev libzip-dev libexpat1-dev
  libmicrohttpd-dev libsystemd-dev
  libcurl4-openssl-dev
  # tests
  libcmocka-dev kcat zstd protobuf-compiler
  python3 python3-protobuf python3-zstandard python3-confluent-kafka python3-stdnum
  python3-prometheus-client
  # the status page's browser test (tests/integration/run_status_page_test.sh)
  chromium chromium-driver python3-selenium
  openjdk-17-jre-headless maven
  # deploy/compose validated against the Compose schema (tests/deploy); not
  # prometheus (promtool): 96 MB, and its package starts a server
  docker-compose
  # benchmark (bench/bench.sh, a smoke of it runs with the tests)
  time python3-yaml
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
