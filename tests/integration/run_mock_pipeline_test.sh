#!/usr/bin/env bash
# The pipeline test against credpipe's embedded broker (librdkafka's mock
# cluster) instead of a real Kafka:
#
#   run_mock_pipeline_test.sh CREDPIPE WORK_DIR ROWS
#
# Starts `credpipe broker --bootstrap-file WORK_DIR/broker/bootstrap` in the
# background, waits for the file (with a deadline), runs run_pipeline_test.sh
# with --isolation read_uncommitted (the mock broker has no transaction
# visibility), then stops the broker with SIGTERM and waits for it.
#
# Environment (optional): CP_MOCK_START_TIMEOUT (default 30 s),
# CP_MOCK_STOP_TIMEOUT (default 20 s), CP_MOCK_MAX_LIFETIME (default 1800 s:
# the broker is killed then even if this script was killed first).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
usage="usage: $0 CREDPIPE WORK_DIR ROWS"
credpipe=${1:?$usage}
work=${2:?$usage}
rows=${3:?$usage}
start_timeout=${CP_MOCK_START_TIMEOUT:-30}
stop_timeout=${CP_MOCK_STOP_TIMEOUT:-20}
max_lifetime=${CP_MOCK_MAX_LIFETIME:-1800}

. "$(dirname "$0")/lib.sh"
it_name run_mock_pipeline_test

it_credpipe "$credpipe"
case $work in /|"") fail "refusing work dir '$work'" ;; esac
rm -rf "$work"
bdir=$work/broker
mkdir -p "$bdir"
bsfile=$bdir/bootstrap

# timeout(1) bounds the broker's life; it forwards our SIGTERM to it.
timeout --kill-after=10 "$max_lifetime" "$credpipe" broker --bootstrap-file "$bsfile" \
  </dev/null >"$bdir/broker.log" 2>&1 &
bpid=$!

stop_broker() {
  local rc=$?
  if kill -0 "$bpid" 2>/dev/null; then
    kill -TERM "$bpid" 2>/dev/null || true
    local deadline=$((SECONDS + stop_timeout))
    while kill -0 "$bpid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
    if kill -0 "$bpid" 2>/dev/null; then
      echo "run_mock_pipeline_test: broker did not stop in ${stop_timeout}s; SIGKILL" >&2
      kill -KILL "$bpid" 2>/dev/null || true
      rc=1
    fi
  fi
  set +e
  wait "$bpid" 2>/dev/null
  local brc=$?
  set -e
  # timeout(1) exits 124 when it had to stop the broker; 143 = SIGTERM.
  if [[ $brc != 0 && $brc != 143 ]]; then
    echo "run_mock_pipeline_test: broker exited $brc" >&2
    tail -n 20 "$bdir/broker.log" >&2 || true
    [[ $rc != 0 ]] || rc=1
  fi
  exit "$rc"
}
trap stop_broker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

deadline=$((SECONDS + start_timeout))
until [[ -s $bsfile ]] && grep -q ':[0-9]' "$bsfile"; do
  if ! kill -0 "$bpid" 2>/dev/null; then
    tail -n 20 "$bdir/broker.log" >&2 || true
    fail "credpipe broker exited before writing $bsfile"
  fi
  (( SECONDS < deadline )) || fail "no bootstrap in $bsfile after ${start_timeout}s"
  sleep 0.1
done
say "embedded broker pid $bpid at $(head -n1 "$bsfile")"

"$HERE/run_pipeline_test.sh" "$credpipe" "$bsfile" "$work/pipeline" "$rows" read_uncommitted
say "OK"
