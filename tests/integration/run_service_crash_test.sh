#!/usr/bin/env bash
# Service mode's exactly once across crashes, against a real broker. The
# generated feeds are delivered whole (renamed into place) into the
# service's spool folders in seven groups, each a set of its own or two:
# the central sources first, then the others one or two at a time, in the
# configuration's order. The first set is timed, not killed; then credpipe
# is killed with SIGKILL at random moments and started again each time,
# one of:
#   timed   a random delay after it is ready, up to the first set's time
#   taken   a short random delay after a set is taken (or resumed)
#   commit  right after its Kth commit (K random: 1-6)
#   read    once every file of the set is read (in this run): right after
#           the next commit, maybe the set's last (the kill can land
#           between it and the files' fate), or 1-150 ms after the last
#           file is read (it can land while the set's last transaction is
#           committed, before its snapshot is published)
# and each group is delivered after one or two kills more, once the one
# before is taken (now and then only once it is done): kills land in the
# middle of sets, and between them when a set was done before its kills.
# mem_penalties' file is moved once committed, sh_penalties' deleted, the
# others kept. Once every file is done, SIGTERM. Then check_output.py reads
# every topic back read_committed: each truth key exactly once, each reject
# once, the sharing report equal to the truth; the files' fates are
# checked, and that no run logged an error (SET_NOT_FINISHED, a refused
# start, ...). Snapshots are not damaged here: in service mode a snapshot
# behind a finished set is refused, rightly (docs/exactly-once.md).
#
#   run_service_crash_test.sh CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS
#
# Environment (optional):
#   CP_KILL_SEED    seed of the random choices (default 1; printed: the
#                   same seed makes the same choices, the timings vary)
#   CP_KILL_MAX_MS  latest timed kill after a start (default: the first
#                   set's duration, at least 300 ms)
#   CP_MAX_KILLS    kills at most (default 20); then the sets finish
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS"
credpipe=${1:?$usage}
bsfile=${2:?$usage}
work=${3:?$usage}
rows=${4:?$usage}
seed=${CP_KILL_SEED:-1}
max_kills=${CP_MAX_KILLS:-20}

. "$(dirname "$0")/lib.sh"
it_name run_service_crash_test

it_credpipe "$credpipe"
it_bootstrap "$bsfile"
it_workdir "$work"
gen=$work/gen
state=$work/state
it_prefix k
# At the end, kills the credpipe of the moment and the kill watcher (below).
pid= watcher=
trap '[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; [[ -n $watcher ]] && kill "$watcher" 2>/dev/null
      true' EXIT
# bash reports a background job killed by another process (the watcher
# below) as "<pid> Killed <command>" when it reaps it: expected here, and
# dropped from stderr.
exec 2> >(grep --line-buffered -vE ': line [0-9]+: +[0-9]+ Killed +' >&2)
RANDOM=$seed
say "seed $seed (CP_KILL_SEED=$seed replays these choices)"
t_begin=${EPOCHREALTIME/./}

timeout 300 "$credpipe" gen --out "$gen" --rows "$rows" --seed 13 >"$work/gen.log" 2>&1 \
  || { show "$work/gen.log"; fail "credpipe gen failed"; }
it_spool_conf "$gen"
cat >>"$gen/credpipe.yaml" <<EOF
state:
  dir: $state
  instance: service-crash-$$
  checkpoint_interval: 100ms
  settle: 1s
EOF

groups=(central_penalties central_defaulters central_blacklist mem_penalties
        "court_defaulters court_defaulters_org" bj_blacklist sh_penalties)
ngroups=${#groups[@]}

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
rnd() { r=$(( (RANDOM * 32768 + RANDOM) % $1 )); }  # sets r in [0, $1)
feed() { local f=("$gen"/feeds/"$1".*); basename "${f[0]}"; }
# listed SOURCE FILE...: SOURCE's file is named in one of the FILEs
# (set.tsv, files.tsv: the file's path ends each line).
listed() { local s=$1; shift; grep -qs -- "/$s/$(feed "$s")\$" "$@"; }
taken() {  # taken G: every file of group G is in a set, or done
  local s
  for s in ${groups[$1]}; do listed "$s" "$state/set.tsv" "$state/files.tsv" || return 1; done
}
done_group() {  # done_group G: every file of group G is committed and recorded
  local s
  for s in ${groups[$1]}; do listed "$s" "$state/files.tsv" || return 1; done
}
finished() {
  (( next == ngroups )) && [[ ! -e $state/set.tsv ]] || return 1
  local g
  for ((g = 0; g < ngroups; g++)); do done_group "$g" || return 1; done
}
deliver_next() {
  local s
  for s in ${groups[$next]}; do it_deliver "$gen" "$s"; done
  say "group $((next + 1)) delivered: ${groups[$next]}"
  next=$((next + 1))
  # The next group comes after 1 or 2 kills more (kills that find this
  # set done land between sets), once this one is taken, or now and then
  # only once it is done.
  kills_at=$kills
  rnd 2; quota=$((r + 1))
  rnd 4; wait_done=$(( r == 0 ))
}
next_due() {
  (( next < ngroups && (next == 1 || kills - kills_at >= quota) )) && taken $((next - 1)) &&
    { (( !wait_done )) || done_group $((next - 1)); }
}

runs=0
new_run() {  # starts the service with a log of its own
  runs=$((runs + 1))
  log=$work/run$runs.log
  it_start_service "$gen/credpipe.yaml" 1 --report-json "$work/report.json" \
    --log-level info,run=debug
  t_ready=$(now_ms)
}

# The watched kills follow the run's log as it is written (tail -F), to
# kill right after the line; the watcher writes why into $work/kill.RUN
# first, so that the loop below tells its kill from a crash.
watch_kill() {  # watch_kill MODE ARG: in the background
  local mode=$1 arg=$2 p=$pid mark=$work/kill.$runs line n=0 files=0
  # read_all: every file of the set has been read to its end in this run.
  read_all() { (( files > 0 && files >= $({ wc -l <"$state/set.tsv"; } 2>/dev/null || echo 1) - 1 )); }
  while IFS= read -r line; do
    case $line in
      *event=SET_TAKEN*|*event=SET_RESUMED*)
        files=0
        if [[ $mode == taken ]]; then
          sleep "$(printf '0.%03d' "$arg")"
          echo "taken+${arg}ms" >"$mark"; kill -9 "$p" 2>/dev/null; return 0
        fi ;;
      *event=FILE_DONE*)
        files=$((files + 1))
        if [[ $mode == last ]] && (( arg > 0 )) && read_all; then
          sleep "$(printf '0.%03d' "$arg")"
          echo "read+${arg}ms" >"$mark"; kill -9 "$p" 2>/dev/null; return 0
        fi ;;
      *event=CHECKPOINT_COMMITTED*)
        n=$((n + 1))
        if [[ $mode == commit ]] && (( n == arg )); then
          echo "commit#$arg" >"$mark"; kill -9 "$p" 2>/dev/null; return 0
        fi
        if [[ $mode == last ]] && (( arg == 0 )) && read_all; then
          echo "read,commit" >"$mark"; kill -9 "$p" 2>/dev/null; return 0
        fi ;;
    esac
  done < <(tail -n +1 -F --pid="$p" "$log" 2>/dev/null |
           grep --line-buffered -E 'event=(SET_TAKEN|SET_RESUMED|FILE_DONE|CHECKPOINT_COMMITTED)')
}
stop_watcher() {
  [[ -n $watcher ]] || return 0
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  watcher=
}
plan_kill() {  # a timed kill at kill_at, and maybe a watched one before it
  rnd $((kill_max - 50)); kill_at=$((t_ready + 50 + r)); planned=timed
  rnd 100
  if (( r < 30 )); then
    return 0
  elif (( r < 42 )); then
    rnd 300; planned="taken+${r}ms"; watch_kill taken "$r" & watcher=$!
  elif (( r < 55 )); then
    rnd 6; planned="commit#$((r + 1))"; watch_kill commit $((r + 1)) & watcher=$!
  else
    rnd 3; (( r == 0 )) || { rnd 150; r=$((r + 1)); }
    (( r )) && planned="read+${r}ms" || planned="read,commit"
    watch_kill last "$r" & watcher=$!
  fi
  # Should the watched line not come (no set to read), the timed kill
  # comes later.
  kill_at=$((kill_at + kill_max))
}

mid=0 between=0
declare -A interrupted=()
after_kill() {  # credpipe was killed: account for it
  local t=$1 ev where how=timed
  wait "$pid" 2>/dev/null || true
  pid=
  stop_watcher
  if [[ -f $work/kill.$runs ]]; then
    how=$(cat "$work/kill.$runs")
  elif [[ $planned != timed ]]; then
    how="timed (no line for $planned)"
  fi
  kills=$((kills + 1))
  ev=$(grep -o 'event=[A-Z_]*' "$log" | tail -n 1) || true
  ev=${ev#event=}
  interrupted[${ev:-none}]=$(( ${interrupted[${ev:-none}]:-0} + 1 ))
  if [[ -e $state/set.tsv ]]; then
    mid=$((mid + 1))
    where="mid-set (set $(head -n 1 "$state/set.tsv" | cut -d' ' -f2))"
  else
    between=$((between + 1))
    where="between sets"
  fi
  say "kill $kills: run $runs, $how, $((t - t_ready)) ms after ready, $where, last event $ev"
}

kills=0
new_run
say "ready; the first group is not killed, to time a set"
next=0
t0=$(now_ms)
deliver_next
it_wait_until "the first group is done" done_group 0
first_ms=$(( $(now_ms) - t0 ))
if [[ -n ${CP_KILL_MAX_MS:-} ]]; then
  kill_max=$CP_KILL_MAX_MS
else
  kill_max=$first_ms
  (( kill_max >= 300 )) || kill_max=300
fi
say "the first set took ${first_ms} ms; timed kills 50 to ${kill_max} ms after a start"

plan_kill
deadline=$(( $(now_ms) + 240000 ))
while :; do
  t=$(now_ms)
  (( t < deadline )) || fail "the sets are not all done within 240 s ($kills kills)"
  # The watcher writes its mark before it kills, and the killed process
  # may still answer kill -0 (a zombie): the mark is what says it was
  # killed (and it is killed here too, should the watcher have been
  # stopped between the two).
  if [[ -f $work/kill.$runs ]] || ! kill -0 "$pid" 2>/dev/null; then
    stop_watcher
    [[ -f $work/kill.$runs ]] || fail "credpipe exited by itself (run $runs)"
    kill -9 "$pid" 2>/dev/null || true
    after_kill "$t"
    new_run
    (( kills < max_kills )) && plan_kill || kill_at=
    continue
  fi
  if finished; then
    stop_watcher
    [[ -f $work/kill.$runs ]] || break
    continue
  fi
  if next_due; then
    deliver_next
  fi
  if [[ -n $kill_at ]] && (( t >= kill_at )); then
    stop_watcher
    if kill -9 "$pid" 2>/dev/null; then
      after_kill "$t"
      new_run
      (( kills < max_kills )) && plan_kill || kill_at=
    fi
    continue
  fi
  sleep 0.02
done

say "every group done; SIGTERM"
it_stop_service

# What the kills interrupted, and how the restarts resumed.
say "$kills kills: $mid mid-set, $between between sets; $runs runs"
for ev in "${!interrupted[@]}"; do say "  last event before a kill: $ev x${interrupted[$ev]}"; done
logs=()
for ((k = 1; k <= runs; k++)); do logs+=("$work/run$k.log"); done
cat "${logs[@]}" >"$work/all.log"
log=$work/all.log
grep -hoE 'event=(STATE_[A-Z]+|SET_[A-Z_]+|REPLAY_DONE|SWEEP_REDONE)' "$log" | sort | uniq -c \
  | sed "s/^/$IT_NAME:   /"
# A set committed before its kill, resumed for its files' fate alone: its
# SET_RESUMED is followed by its SET_DONE with no commit in between.
fate_only=$(awk 'FNR == 1 { r = 0 }
                 /event=SET_RESUMED/ { r = 1; c = 0; next }
                 /event=CHECKPOINT_COMMITTED/ { c = 1 }
                 /event=SET_DONE/ { if (r && !c) n++; r = 0 }
                 END { print n + 0 }' "${logs[@]}")
say "restarts that had only the files' fate left to do: $fate_only"
(( mid > 0 )) || fail "no kill landed in the middle of a set: add rows or lower CP_KILL_MAX_MS"

if grep -q 'level=error' "$log"; then
  grep 'level=error' "$log" | head -n 5 >&2
  fail "a run logged an error"
fi
grep -qiE 'restore state\.dir|SET_NOT_FINISHED' "$log" && fail "a start was refused or a set not finished"
sets=$(grep -oE 'event=SET_(TAKEN|RESUMED|DONE) set=[0-9]+' "$log" | awk '{print $2}' | sort -u | wc -l)
(( sets >= ngroups )) || fail "$sets sets for $ngroups groups delivered one after the other"

# The files' fates.
for s in central_penalties central_defaulters central_blacklist court_defaulters \
         court_defaulters_org bj_blacklist; do
  cmp -s "$gen/feeds/$(feed "$s")" "$gen/spool/$s/$(feed "$s")" \
    || fail "$s's kept file changed or is gone"
done
[[ ! -e $gen/spool/mem_penalties/mem_penalties.csv ]] || fail "mem_penalties.csv was not moved"
cmp -s "$gen/feeds/mem_penalties.csv" "$gen/done/mem_penalties/mem_penalties.csv" \
  || fail "mem_penalties.csv is not in its done_dir"
[[ ! -e $gen/spool/sh_penalties/sh_penalties.csv ]] || fail "sh_penalties.csv was not deleted"
[[ -z $(find "$gen/spool" -name '.*.part') ]] || fail "a delivery was left half-done"
say "files moved, deleted and kept as configured; $sets sets"

timeout 600 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$gen/truth.json" \
    --report "$work/report.json" --records-topic "${prefix}credpipe.records" \
    --rejects-topic "${prefix}credpipe.rejects" --sharing-topic "${prefix}credpipe.sharing" \
    --isolation read_committed --timeout 300 >"$work/check.log" 2>&1 \
  || { show "$work/check.log"; fail "check_output.py: the output is not exactly the truth"; }
grep -E '^  records ' "$work/check.log" || true
tail -n 1 "$work/check.log"
say "PASS: $kills kills ($mid mid-set, $between between sets, $fate_only before the files' fate)," \
    "$(( (${EPOCHREALTIME/./} - t_begin) / 1000000 )) s"
