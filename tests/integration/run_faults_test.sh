#!/usr/bin/env bash
# Faults a single real broker cannot stage, on `credpipe broker` (three
# mock brokers) driven through --commands, while credpipe runs with
# transactions:
#  1. slow answers and a broker down and up again: the run completes and
#     its output is exactly the truth;
#  2. a produce request failing with OUT_OF_ORDER_SEQUENCE_NUMBER, which
#     aborts the transaction: credpipe resumes by itself from the last
#     checkpoint (RESTART_FROM_CHECKPOINT) and completes. The mock shows
#     aborted data to every reader, so what this run wrote is not compared
#     with the truth here; resuming is checked for exactness against the
#     real broker (run_crash_test.sh: a restart takes the same path);
#  3. a permanent refusal (authorisation): the run stops at once, says what
#     to do in the log and on /readyz, and exits non-zero.
# (Failing produce requests with NOT_LEADER_FOR_PARTITION or
# REQUEST_TIMED_OUT, or moving leaders, makes librdkafka 2.0.2 see skipped
# sequence numbers on the mock now and then — case 2 — so case 1 does not
# use them.)
#
#   run_faults_test.sh CREDPIPE WORK_DIR ROWS
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE WORK_DIR ROWS"
credpipe=${1:?$usage}
work=${2:?$usage}
rows=${3:?$usage}

. "$(dirname "$0")/lib.sh"
it_name run_faults_test

it_workdir "$work"
gen=$work/gen
bpid= pid=
cleanup() {
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  [[ -n $bpid ]] && kill "$bpid" 2>/dev/null
  true
}
trap cleanup EXIT

mkfifo "$work/commands"
timeout 600 "$credpipe" broker --brokers-count 3 --commands --bootstrap-file "$work/bootstrap" \
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

run_bg() {  # run_bg NAME [args]: credpipe run in the background, pid in $pid
  local name=$1; shift
  "$credpipe" run -c "$gen/credpipe.yaml" --once --brokers "$bs" --no-progress "$@" \
    >"$work/$name.out" 2>"$work/$name.log" &
  pid=$!
}
wait_producing() {  # the state is set up: producing begins
  for ((t = 0; t < 300; t++)); do
    grep -q 'event=STATE_FRESH' "$work/$1.log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
}

say "slow answers, a broker down and up"
run_bg slow --report-json "$work/report.json"
wait_producing slow
cmd rtt 30 1
sleep 0.2
kill -0 "$pid" 2>/dev/null || fail "the run ended before the faults: give it more rows"
cmd down 2
sleep 1
cmd up 2
cmd rtt 0 1
wait "$pid" || { tail -n 30 "$work/slow.log" >&2; fail "credpipe run failed under the faults"; }
pid=
sleep 0.2
oks=$(grep -c '^ok' "$work/broker.out" || true)
(( oks == 4 )) || { cat "$work/broker.out" >&2; fail "the broker took $oks of 4 commands"; }
timeout 300 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$gen/truth.json" \
    --report "$work/report.json" --records-topic credpipe.records \
    --rejects-topic credpipe.rejects --sharing-topic credpipe.sharing \
    --isolation read_uncommitted --timeout 120 >"$work/check.log" 2>&1 \
  || { tail -n 30 "$work/check.log" >&2; fail "the output is not exactly the truth"; }
say "slow: $(tail -n 1 "$work/check.log")"

say "an aborted transaction"
rm -rf "$work/state"
run_bg aborted --topic-prefix aborted.
wait_producing aborted
sleep 0.3
cmd errors produce 1 OUT_OF_ORDER_SEQUENCE_NUMBER
wait "$pid" || { tail -n 20 "$work/aborted.log" >&2; fail "the run did not recover from the aborted transaction"; }
pid=
if grep -q 'event=RESTART_FROM_CHECKPOINT' "$work/aborted.log"; then
  say "aborted: resumed from the checkpoint and completed"
else
  say "note: the error came after the last commit; no restart was needed"
fi

# A permanent refusal is no transient fault: the run stops at once with
# what to do, in the log and on /readyz.
say "a permanent refusal"
cmd errors produce 1 TOPIC_AUTHORIZATION_FAILED
sleep 0.2
rm -rf "$work/state"
run_bg refused --topic-prefix refused. --metrics-listen 127.0.0.1:0 \
  --metrics-port-file "$work/port" --linger-ms 30000
for ((t = 0; t < 300; t++)); do
  grep -q 'event=LINGER' "$work/refused.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
grep -q 'event=KAFKA_REFUSED.*TOPIC_AUTHORIZATION_FAILED' "$work/refused.log" \
  || { tail -n 20 "$work/refused.log" >&2; fail "no KAFKA_REFUSED in the log"; }
ready=$("$PY" - "$(cat "$work/port")" <<'PYEOF'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz", timeout=5)
    print("200")
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode().strip())
PYEOF
)
[[ $ready == "503 "*TOPIC_AUTHORIZATION_FAILED*grant* ]] || fail "/readyz answered '$ready'"
kill -TERM "$pid"
if wait "$pid"; then fail "the refused run exited 0"; fi
pid=
grep -q 'event=RESTART_FROM_CHECKPOINT' "$work/refused.log" \
  && fail "a permanent refusal was retried"
say "refused: /readyz said: ${ready#503 }"
say "PASS"
