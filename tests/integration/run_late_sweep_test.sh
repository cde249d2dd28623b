#!/usr/bin/env bash
# Service mode's figures over time against a real broker (docs/metrics.md,
# "Service mode: figures over time"):
#   1. a first set with the sectoral source only: its keys are unmatched;
#   2. a central file dropped later, holding some of them: those keys are
#      re-classified shared, with observed delays late_sweep_check.py
#      computes from the records' ingest times;
#   3. a third set in which the sectoral source withdraws some of its keys
#      (docs/metrics.md, "Entries withdrawn by a later record"), shared
#      ones and unmatched ones: one REMOVAL each (the withdrawing record),
#      the counts moved to withdrawn; a restart from the snapshot before
#      that set replays it without producing them again;
#   4. SIGHUP with a later completeness.as_of, past the entries' window:
#      exactly one REMOVAL (window_ended) per key the source produced and
#      did not withdraw, read back read_committed, and the counts moved to
#      expired;
#   5. a restart with that configuration sweeps nothing more, nor does one
#      from the snapshot before the sweep (a crash between the sweep's
#      commit and its snapshot's publish): the sweep is redone silently.
#   6. a fourth set, then its snapshot lost: the start refuses (the set is
#      finished, its records cannot be replayed).
#
# After 2, 3 and 4, the status page (GET / of --metrics-listen) must show
# those figures exactly as the latest SharingReport has them
# (status_page_check.py --served-only against `credpipe report -b --format
# json`; the page as served, no browser).
#
#   run_late_sweep_test.sh CREDPIPE BOOTSTRAP_FILE WORK_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE BOOTSTRAP_FILE WORK_DIR"
credpipe=${1:?$usage}
bsfile=${2:?$usage}
work=${3:?$usage}

. "$(dirname "$0")/lib.sh"
it_name run_late_sweep_test

it_credpipe "$credpipe"
it_bootstrap "$bsfile"
case $work in /|"") fail "refusing work dir '$work'" ;; esac
rm -rf "$work"
mkdir -p "$work/spool/sect" "$work/spool/cent"
it_prefix l
log=$work/service.log
it_kill_pid_on_exit

N=30       # keys of the sectoral source: 公司0 … 公司29
SHARED=15  # of them, the central file's: 公司0 … 公司14
W=10       # of them, withdrawn in set 3: 公司0 … 公司4 (shared), 公司20 … 公司24
W_SHARED=5
config() {  # config AS_OF
  cat >"$work/credpipe.yaml" <<YAML
topics:
  records: credpipe.records
  rejects: credpipe.rejects
  sharing: credpipe.sharing
  partitions: 3
completeness:
  as_of: "$1"
sources:
  - id: sect
    role: sectoral
    category: admin_penalty
    format: csv
    paths: [$work/spool/sect/*.csv]
    columns:
      name: subject_name
      doc: document_number
      authority: authority
      decided: decision_date
      status: status
  - id: cent
    role: central
    category: admin_penalty
    format: csv
    paths: [$work/spool/cent/*.csv]
    columns:
      name: subject_name
      doc: document_number
      authority: authority
      decided: decision_date
      status: status
state:
  dir: $work/state
  instance: late-sweep-$$
  checkpoint_interval: 200ms
  settle: 1s
report:
  interval: 1s
YAML
}
row() { echo "公司$1,京罚〔2021〕$1号,北京市市场监督管理局,2021-03-05,${2:-有效}"; }
deliver() {  # deliver SOURCE NAME < rows: written aside, renamed into place
  { echo "name,doc,authority,decided,status"; cat; } >"$work/spool/$1/.$2.part"
  mv "$work/spool/$1/.$2.part" "$work/spool/$1/$2"
}
start() {  # start N: the service, with its status page, until its Nth SERVICE_READY
  rm -f "$work/port"
  it_start_service "$work/credpipe.yaml" "$1" \
    --metrics-listen 127.0.0.1:0 --metrics-port-file "$work/port"
}
check() {  # check PHASE [WITHDRAWN]: late_sweep_check.py against the topics
  timeout 300 "$PY" "$HERE/late_sweep_check.py" --bootstrap "$bs" --prefix "$prefix" \
      --source sect --central cent --shared $SHARED --phase "$1" \
      --withdrawn "${2:-0}" --withdrawn-shared $W_SHARED >"$work/check-$1.log" 2>&1 \
    || { cat "$work/check-$1.log" >&2; fail "late_sweep_check.py --phase $1"; }
  tail -n 1 "$work/check-$1.log"
}
page() {  # page PHASE: the status page's figures revised later, against the report
  timeout 120 "$credpipe" report -b "$bs" --topic-prefix "$prefix" --format json \
      >"$work/report-$1.json" 2>"$work/report-$1.log" \
    || { cat "$work/report-$1.log" >&2; fail "credpipe report -b (phase $1)"; }
  timeout 60 "$PY" "$HERE/status_page_check.py" --port "$(cat "$work/port")" --served-only \
      --report "$work/report-$1.json" >"$work/page-$1.log" 2>&1 \
    || { cat "$work/page-$1.log" >&2; fail "status_page_check.py --served-only (phase $1)"; }
  tail -n 1 "$work/page-$1.log"
}

config 2021-06-01
start 1
say "set 1: the sectoral source alone, $N keys"
for ((i = 0; i < N; i++)); do row $i; done | deliver sect sect1.csv
it_wait_for "event=SET_DONE" 1
sleep 2  # an observed delay of seconds, one bucket (<= 60 s)
say "set 2: the central file, $SHARED of those keys between 5 of its own"
{ for i in 100 101 102; do row $i; done
  for ((i = 0; i < SHARED; i++)); do row $i; done
  for i in 103 104; do row $i; done; } | deliver cent cent1.csv
it_wait_for "event=SET_DONE" 2
sleep 2  # the report of the set's last epoch is in; one more interval
check late
page late

# Set 3 commits, but its snapshot cannot be published (a directory in the
# way, as a full or read-only disk would): the service stops with the
# set's files left listed, and a restart replays them from the snapshot
# before — withdrawing again without producing.
say "set 3: the sectoral source withdraws $W keys ($W_SHARED shared), shows one again;"
say "       its snapshot cannot be published"
mv "$work/state/snapshot" "$work/state/snapshot.set2"
mkdir "$work/state/snapshot"
touch "$work/state/snapshot/in-the-way"
{ for i in 0 1 2 3 4; do row $i 已撤销; done
  row 25
  for i in 20 21 22 23 24; do row $i 信用修复; done
  row 0 已撤销; } | deliver sect sect2.csv
it_wait_for "event=SET_NOT_FINISHED set=3" 1
for ((t = 0; t < 300; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid" && fail "credpipe exited 0 with a set it could not finish"
pid=
(( $(it_count "event=SET_DONE") == 2 )) || fail "set 3 was finished without its snapshot"
check withdraw $W
say "restart: set 3 replayed from the snapshot before it, then finished"
rm -r "$work/state/snapshot"
mv "$work/state/snapshot.set2" "$work/state/snapshot"
start 2
it_wait_for "event=SET_DONE" 3
(( $(it_count "event=STATE_REPLAY") == 1 )) || fail "set 3 was not replayed"
sleep 2
check withdraw $W
page withdraw

# The window of these entries: decided 2021-03-05, its end is in the
# records (expected_public_until); as_of moves to that very day.
until_day=$("$credpipe" decode -b "$bs" -t "${prefix}credpipe.records" --max 1 2>/dev/null \
  | "$PY" -c 'import sys, json
for l in sys.stdin:
    u = json.loads(l).get("expected_public_until")
    if u:
        print(u); sys.exit(0)
sys.exit(1)') || fail "no expected_public_until in the records"
case $until_day in
  *-*) as_of=$until_day ;;                                # printed as a date
  *) as_of=$(date -u -d "@$(( until_day * 86400 ))" +%F) ;;  # days since 1970
esac
say "SIGHUP with completeness.as_of $as_of (the windows' end)"
config "$as_of"
kill -HUP "$pid"
it_wait_for "event=SERVICE_STOP reload=1" 1
it_wait_for "event=SERVICE_READY" 3
it_wait_for "event=WINDOW_ENDED" 1
grep -q "event=WINDOW_ENDED source=sect removals=$((N - W))" "$log" \
  || fail "the sweep is not $((N - W)) removals of sect: $(grep WINDOW_ENDED "$log")"
sleep 2  # the sweep's epoch commits right after its line
check sweep $W
page sweep

say "restart with the same configuration: nothing left to sweep"
it_stop_service
start 4
sleep 3
it_stop_service
(( $(it_count "event=WINDOW_ENDED") == 1 )) || fail "swept again after the restart"
check sweep $W

# A crash between the sweep's commit and its snapshot's publish leaves the
# snapshot before it: without its own snapshot the restart loads that one
# (snapshot.prev), which still holds the swept entries.
say "restart from the snapshot before the sweep: it is redone, nothing produced"
[[ -f $work/state/snapshot.prev ]] || fail "no snapshot.prev in the state directory"
rm "$work/state/snapshot"
start 5
it_wait_for "event=SWEEP_REDONE" 1
grep -q "event=SWEEP_REDONE as_of_days=$until_day removals=$((N - W))" "$log" \
  || [[ $until_day == *-* ]] \
  || fail "the redone sweep is not the committed one: $(grep SWEEP_REDONE "$log")"
sleep 1
it_stop_service
(( $(it_count "event=WINDOW_ENDED") == 1 )) || fail "swept again after the restart from snapshot.prev"
check sweep $W

# A finished set's files are no longer listed: a snapshot behind it
# cannot be brought up, and a start says so rather than forget the set.
say "set 4, then its snapshot lost: the start refuses"
start 6
row 40 | deliver sect sect3.csv
it_wait_for "event=SET_DONE" 4
it_stop_service
rm "$work/state/snapshot"
"$credpipe" run -c "$work/credpipe.yaml" --brokers "$bs" --topic-prefix "$prefix" \
  >>"$work/service.out" 2>"$work/refused.err" && fail "started with a state behind a finished set"
grep -q "the state cannot be brought up to it" "$work/refused.err" \
  || fail "the refusal does not say why: $(cat "$work/refused.err")"
say "PASS"
