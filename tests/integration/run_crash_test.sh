#!/usr/bin/env bash
# Exactly once across crashes, against a real broker: credpipe is killed
# with SIGKILL at random moments of a run and restarted each time; when a
# run finally completes, a read_committed reader (check_output.py) checks
# every record key against the truth: none lost, none twice, and the
# sharing report equal to the truth.
#
#   run_crash_test.sh CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS ROUNDS
#
# ROUNDS  runs killed before the one allowed to finish
#
# Environment (optional):
#   CP_SEED            generator seed (default 11)
#   CP_CKPT_INTERVAL   state.checkpoint_interval (default 200ms)
#   CP_KILL_MIN_MS     earliest kill after the start (default 300)
#   CP_KILL_MAX_MS     latest kill (default: 90% of a first, uninterrupted
#                      estimate of the run's duration)
#   CP_CRASH_SNAPSHOT  "damage": also corrupt or truncate the state's
#                      snapshot between some rounds (default: on)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS ROUNDS"
credpipe=${1:?$usage}
bsfile=${2:?$usage}
work=${3:?$usage}
rows=${4:?$usage}
rounds=${5:?$usage}
seed=${CP_SEED:-11}
interval=${CP_CKPT_INTERVAL:-200ms}
kill_min=${CP_KILL_MIN_MS:-300}
damage=${CP_CRASH_SNAPSHOT:-damage}

. "$(dirname "$0")/lib.sh"
it_name run_crash_test

it_credpipe "$credpipe"
it_bootstrap "$bsfile"
it_workdir "$work"
gen=$work/gen
it_prefix c
it_kill_pid_on_exit

timeout 600 "$credpipe" gen --out "$gen" --rows "$rows" --seed "$seed" >"$work/gen.log" 2>&1 \
  || { show "$work/gen.log"; fail "credpipe gen failed"; }
cat >>"$gen/credpipe.yaml" <<EOF
state:
  dir: $work/state
  instance: crash-$$
  checkpoint_interval: $interval
EOF

run() {  # run LOG [extra args]: starts credpipe in the background, sets pid
  local log=$1; shift
  "$credpipe" run -c "$gen/credpipe.yaml" --once --brokers "$bs" --topic-prefix "$prefix" \
    --no-progress "$@" >"$log.out" 2>"$log" &
  pid=$!
}

# How long an uninterrupted run takes here, to spread the kills over it:
# on a copy of the input with its own state and topics, so the real run
# starts from nothing.
if [[ -z ${CP_KILL_MAX_MS:-} ]]; then
  t0=$(date +%s%N)
  sed -e "s|dir: $work/state|dir: $work/estimate-state|" -e "s|instance: crash-|instance: est-|" \
    "$gen/credpipe.yaml" >"$gen/estimate.yaml"
  timeout 600 "$credpipe" run -c "$gen/estimate.yaml" --once --brokers "$bs" \
    --topic-prefix "e$prefix" --no-progress >/dev/null 2>"$work/estimate.log" \
    || { show "$work/estimate.log"; fail "the estimating run failed"; }
  est_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  kill_max=$(( est_ms * 9 / 10 ))
  (( kill_max > kill_min + 100 )) || kill_max=$(( kill_min + 100 ))
  say "an uninterrupted run takes ${est_ms} ms; kills between ${kill_min} and ${kill_max} ms"
else
  kill_max=$CP_KILL_MAX_MS
fi

killed=0 finished_early=0
for ((r = 1; r <= rounds; r++)); do
  # The first round's kill comes in the first half: a run that finishes
  # leaves the later rounds little to do (only what damaged snapshots
  # make them replay), and runs vary by half under load (5.5 s estimated,
  # 3.7 s then, once in CI).
  hi=$kill_max
  (( r > 1 )) || hi=$(( kill_max / 2 > kill_min + 100 ? kill_max / 2 : kill_min + 100 ))
  delay=$(( kill_min + (RANDOM * 32768 + RANDOM) % (hi - kill_min + 1) ))
  run "$work/round$r.log"
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then
    killed=$((killed + 1))
    wait "$pid" 2>/dev/null || true
    say "round $r: killed after ${delay} ms"
  else
    wait "$pid" || { show "$work/round$r.log"; fail "round $r: credpipe failed by itself"; }
    finished_early=$((finished_early + 1))
    say "round $r: finished before the kill at ${delay} ms"
  fi
  pid=
  # Now and then, damage the snapshot: it must be detected and replaced
  # by a replay, never loaded.
  if [[ $damage == damage && -f $work/state/snapshot ]]; then
    case $((r % 3)) in
      1) printf '\x55' | dd of="$work/state/snapshot" bs=1 seek=100 conv=notrunc status=none
         say "round $r: flipped a byte of the snapshot" ;;
      2) truncate -s $(( $(stat -c %s "$work/state/snapshot") / 2 )) "$work/state/snapshot"
         say "round $r: truncated the snapshot" ;;
      0) printf '\x55' | dd of="$work/state/snapshot" bs=1 seek=200 conv=notrunc status=none
         [[ -f $work/state/snapshot.prev ]] && truncate -s 100 "$work/state/snapshot.prev"
         say "round $r: damaged both snapshots" ;;
    esac
  fi
done
(( killed > 0 )) || fail "no run was killed mid-way: shorten CP_KILL_MAX_MS or add rows"

run "$work/final.log" --report-json "$work/report.json"
wait "$pid" || { show "$work/final.log"; fail "the final run failed"; }
pid=
grep -qE 'event=(STATE_RESTORED|STATE_REPLAY|STATE_REBUILD)' "$work/final.log" \
  || say "note: the final run started fresh (every kill came before the first checkpoint)"
grep -hoE 'event=(STATE_[A-Z]+|SNAPSHOT_[A-Z_]+)' "$work"/round*.log "$work/final.log" \
  | sort | uniq -c | sed 's/^/run_crash_test: /' || true

timeout 600 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$gen/truth.json" \
    --report "$work/report.json" --records-topic "${prefix}credpipe.records" \
    --rejects-topic "${prefix}credpipe.rejects" --sharing-topic "${prefix}credpipe.sharing" \
    --isolation read_committed --timeout 300 >"$work/check.log" 2>&1 \
  || { show "$work/check.log"; fail "check_output.py found loss or duplication"; }
tail -n 3 "$work/check.log"
say "PASS: $killed kills, $finished_early runs finished before their kill, then a clean finish"
