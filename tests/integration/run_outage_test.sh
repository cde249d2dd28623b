#!/usr/bin/env bash
# Broker outages against a real broker of its own: the broker is stopped
# (SIGTERM) in the middle of a run, then, in a second round, killed
# (SIGKILL), and each time brought back on the same data after a while.
# credpipe either rides the outage out or stops with COMMIT_FAILED; run
# again, it resumes from the last checkpoint. check_output.py then reads
# everything back read_committed: nothing lost, nothing twice, the report
# equal to the truth. Memory stays bounded: the peak RSS of a run with an
# outage is compared with that of an undisturbed one.
#
#   run_outage_test.sh CREDPIPE WORK_DIR ROWS
#
# Environment: CP_OUTAGE_S seconds the broker stays away (default 8).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KAFKA=$HERE/../kafka/kafka.sh
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE WORK_DIR ROWS"
credpipe=${1:?$usage}
work=${2:?$usage}
rows=${3:?$usage}
outage=${CP_OUTAGE_S:-8}

. "$(dirname "$0")/lib.sh"
it_name run_outage_test

it_workdir "$work"
gen=$work/gen
kdir=$work/kafka
pid=
cleanup() {
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  "$KAFKA" stop "$kdir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$KAFKA" start "$kdir" >"$work/kafka-start.log" 2>&1 || { cat "$work/kafka-start.log" >&2; fail "broker did not start"; }
bs=$(cat "$kdir/bootstrap")
timeout 300 "$credpipe" gen --out "$gen" --rows "$rows" --seed 13 >"$work/gen.log" 2>&1 \
  || fail "credpipe gen failed"

conf() {  # conf NAME: a configuration with its own state
  sed '/^state:/,$d' "$gen/credpipe.yaml" >"$gen/$1.yaml"
  cat >>"$gen/$1.yaml" <<EOF
state:
  dir: $work/$1-state
  instance: outage-$1-$$
  checkpoint_interval: 200ms
EOF
}

peak_kb() { sed -n 's/^.*Maximum resident set size (kbytes): //p' "$1"; }

run_bg() {  # run_bg NAME PREFIX LOG: credpipe in the background, pid in $pid
  /usr/bin/time -v -o "$3.time" "$credpipe" run -c "$gen/$1.yaml" --once --brokers "$bs" \
    --topic-prefix "$2" --no-progress --report-json "$work/$1.report.json" >"$3.out" 2>"$3" &
  pid=$!
}

check() {  # check NAME PREFIX
  timeout 600 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$gen/truth.json" \
      --report "$work/$1.report.json" --records-topic "$2credpipe.records" \
      --rejects-topic "$2credpipe.rejects" --sharing-topic "$2credpipe.sharing" \
      --isolation read_committed --timeout 300 >"$work/$1.check.log" 2>&1 \
    || { tail -n 30 "$work/$1.check.log" >&2; fail "$1: output is not exactly the truth"; }
  say "$1: $(tail -n 1 "$work/$1.check.log")"
}

conf clean
run_bg clean "clean$$." "$work/clean.log"
wait "$pid" || fail "the undisturbed run failed"
pid=
clean_kb=$(peak_kb "$work/clean.log.time")
say "undisturbed run: peak RSS ${clean_kb} kB"

for how in stop kill; do
  conf "$how"
  prefix="$how$$."
  run_bg "$how" "$prefix" "$work/$how.log"
  sleep 1
  kill -0 "$pid" 2>/dev/null || fail "$how: the run ended before the outage; add rows"
  "$KAFKA" "$how" "$kdir" >>"$work/kafka-outage.log" 2>&1
  say "$how: broker down while credpipe runs; back in ${outage} s"
  sleep "$outage"
  "$KAFKA" resume "$kdir" >>"$work/kafka-outage.log" 2>&1 || { tail -n 20 "$work/kafka-outage.log" >&2; fail "broker did not come back"; }
  if wait "$pid"; then
    say "$how: credpipe rode the outage out"
  else
    grep -qE 'event=(COMMIT_FAILED|NOT_COMMITTED|FLUSH_FAILED|DELIVERY_FAILED)' "$work/$how.log" \
      || { tail -n 20 "$work/$how.log" >&2; fail "$how: credpipe failed without saying why"; }
    say "$how: credpipe stopped on the outage; running it again resumes"
    pid=
    run_bg "$how" "$prefix" "$work/$how.again.log"
    wait "$pid" || { tail -n 20 "$work/$how.again.log" >&2; fail "$how: the resumed run failed"; }
  fi
  pid=
  kb=$(peak_kb "$work/$how.log.time")
  say "$how: peak RSS ${kb} kB (undisturbed ${clean_kb} kB)"
  (( kb < 3 * clean_kb )) || fail "$how: memory grew during the outage (${kb} kB)"
  check "$how" "$prefix"
done
say "PASS"
