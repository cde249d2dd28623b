#!/usr/bin/env bash
# Faults a single real broker cannot stage, on `credpipe broker` (three
# mock brokers) driven through --commands: produce requests failing with
# NOT_LEADER_FOR_PARTITION and REQUEST_TIMED_OUT, partition leaders moved
# to other brokers, slow answers, a broker down and up again, all while
# credpipe runs with transactions. The run must finish, and what it wrote
# must be exactly the truth. The mock shows aborted data to every reader,
# so this test asserts a run that completes without a failed commit; the
# exactly-once assertions across crashes are made against a real broker
# (run_crash_test.sh, run_outage_test.sh).
#
#   run_faults_test.sh CREDPIPE WORK_DIR ROWS
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE WORK_DIR ROWS"
credpipe=${1:?$usage}
work=${2:?$usage}
rows=${3:?$usage}

say() { echo "run_faults_test: $*"; }
fail() { echo "run_faults_test: FAIL: $*" >&2; exit 1; }

case $work in /|"") fail "refusing work dir '$work'" ;; esac
rm -rf "$work"
mkdir -p "$work"
gen=$work/gen
bpid= pid=
cleanup() {
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  [[ -n $bpid ]] && kill "$bpid" 2>/dev/null
  true
}
trap cleanup EXIT

mkfifo "$work/commands"
timeout 300 "$credpipe" broker --brokers-count 3 --commands --bootstrap-file "$work/bootstrap" \
  <"$work/commands" >"$work/broker.out" 2>"$work/broker.log" &
bpid=$!
exec 3>"$work/commands"
for ((t = 0; t < 100; t++)); do [[ -s $work/bootstrap ]] && break; sleep 0.1; done
[[ -s $work/bootstrap ]] || fail "credpipe broker did not start"
bs=$(cat "$work/bootstrap")
cmd() { echo "$*" >&3; }

timeout 300 "$credpipe" gen --out "$gen" --rows "$rows" --seed 17 >"$work/gen.log" 2>&1 \
  || fail "credpipe gen failed"
printf 'state:\n  dir: %s\n  instance: faults-%s\n  checkpoint_interval: 200ms\n' \
  "$work/state" "$$" >>"$gen/credpipe.yaml"

"$credpipe" run -c "$gen/credpipe.yaml" --once --brokers "$bs" --no-progress \
  --report-json "$work/report.json" >"$work/run.out" 2>"$work/run.log" &
pid=$!
sleep 0.3
cmd errors produce 20 NOT_LEADER_FOR_PARTITION
cmd rtt 30 1
sleep 0.3
cmd leader credpipe.records 0 2
cmd leader credpipe.records 1 3
cmd errors produce 10 REQUEST_TIMED_OUT
sleep 0.3
kill -0 "$pid" 2>/dev/null || fail "the run ended before the faults: give it more rows"
cmd down 2
sleep 1
cmd up 2
cmd rtt 0 1
wait "$pid" || { tail -n 30 "$work/run.log" >&2; fail "credpipe run failed under the faults"; }
pid=
sleep 0.2
oks=$(grep -c '^ok' "$work/broker.out" || true)
(( oks == 8 )) || { cat "$work/broker.out" >&2; fail "the broker took $oks of 8 commands"; }

timeout 300 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$gen/truth.json" \
    --report "$work/report.json" --records-topic credpipe.records \
    --rejects-topic credpipe.rejects --sharing-topic credpipe.sharing \
    --isolation read_uncommitted --timeout 120 >"$work/check.log" 2>&1 \
  || { tail -n 30 "$work/check.log" >&2; fail "the output is not exactly the truth"; }
tail -n 1 "$work/check.log"
say "PASS"
