#!/usr/bin/env bash
# Service mode against a real broker: `credpipe run` without --once watches
# spool folders. Files are delivered while it runs (written under another
# name, then renamed), in two sets; the second is cut by SIGKILL and
# resumed by a restart; an identical file delivered again is not read
# again; committed files are moved or deleted as their source says. It
# starts without bj_blacklist and with court_mirror, a copy of
# court_defaulters whose file comes after court_defaulters' (so its records
# are all duplicates); reloads that change a kept source's role or drop a
# central source are refused; the reload to the generated sources (adds
# bj_blacklist, whose file waits in its spool, removes court_mirror) is
# taken. SIGTERM ends it with exit 0. Then check_output.py reads every
# topic back read_committed and compares everything with the generator's
# truth: the late source counts as if it had been there from the start.
#
#   run_service_test.sh CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS"
credpipe=${1:?$usage}
bsfile=${2:?$usage}
work=${3:?$usage}
rows=${4:?$usage}

. "$(dirname "$0")/lib.sh"
it_name run_service_test

it_credpipe "$credpipe"
it_bootstrap "$bsfile"
it_workdir "$work"
gen=$work/gen
it_prefix s
log=$work/service.log
it_kill_pid_on_exit

timeout 300 "$credpipe" gen --out "$gen" --rows "$rows" --seed 9 >"$work/gen.log" 2>&1 \
  || fail "credpipe gen failed"
# Each source reads its own spool folder (mem_penalties' files are moved
# once committed, sh_penalties' deleted, the others kept); the generated
# files are delivered into them later.
it_spool_conf "$gen"
cat >>"$gen/credpipe.yaml" <<EOF
state:
  dir: $work/state
  instance: service-$$
  checkpoint_interval: 200ms
  settle: 1s
EOF
mkdir -p "$gen/spool/court_mirror"
edit() { "$PY" "$HERE/edit_sources.py" "$gen/full.yaml" "$gen/credpipe.yaml" "$@" \
           || fail "edit_sources.py $*"; }
cp "$gen/credpipe.yaml" "$gen/full.yaml"
edit --drop bj_blacklist --copy court_defaulters court_mirror
cp "$gen/credpipe.yaml" "$gen/start.yaml"

idle() {
  [[ ! -e $work/state/set.tsv ]] && (( $(it_count "event=SET_DONE") == $(it_count "event=SET_TAKEN") ))
}
moved() { [[ -f $gen/done/mem_penalties/mem_penalties.csv && ! -e $gen/spool/mem_penalties/mem_penalties.csv ]]; }
deleted() { [[ ! -e $gen/spool/sh_penalties/sh_penalties.csv ]] && idle; }

it_start_service "$gen/credpipe.yaml" 1 --report-json "$work/report.json"
say "ready; delivering the central sources, then mem_penalties"
for s in central_penalties central_defaulters central_blacklist mem_penalties; do
  it_deliver "$gen" $s
done
it_wait_until "mem_penalties.csv is moved to its done_dir" moved
it_wait_until "every set taken is done" idle
say "$(it_count "event=SET_DONE") sets so far (files renamed into place are taken at once)"

say "delivering the other sources, killing credpipe in the middle of their set"
taken=$(it_count "event=SET_TAKEN")
for s in court_defaulters court_defaulters_org bj_blacklist sh_penalties; do
  it_deliver "$gen" $s
done
it_wait_for "event=SET_TAKEN" $((taken + 1))
sleep 0.1
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
[[ -e $work/state/set.tsv ]] || say "note: the set was done before the kill"
it_start_service "$gen/credpipe.yaml" 2 --report-json "$work/report.json"
it_wait_until "sh_penalties.csv is deleted and every set is done" deleted
[[ -f $gen/spool/court_defaulters/court_defaulters.jsonl ]] || fail "a kept file is gone"

say "delivering an identical file again"
it_deliver "$gen" court_defaulters again.jsonl
it_wait_for "event=FILE_REDELIVERED" 1

say "delivering court_mirror's file, court_defaulters' but its last line: duplicates only"
taken=$(it_count "event=SET_TAKEN")
head -n -1 "$gen/feeds/court_defaulters.jsonl" >"$gen/spool/court_mirror/.m.part"
mv "$gen/spool/court_mirror/.m.part" "$gen/spool/court_mirror/court_mirror.jsonl"
it_wait_for "event=SET_TAKEN" $((taken + 1))
it_wait_until "every set taken is done" idle

say "SIGHUP with a kept source in another role: refused"
edit --drop bj_blacklist --copy court_defaulters court_mirror --role court_defaulters municipal
kill -HUP "$pid"
it_wait_for "event=CONFIG_RELOAD_FAILED" 1
grep -q "source 'court_defaulters' changed its role" "$log" || fail "no reason for the refusal"
say "SIGHUP without a central source: refused"
edit --drop bj_blacklist --copy court_defaulters court_mirror --drop central_blacklist
kill -HUP "$pid"
it_wait_for "event=CONFIG_RELOAD_FAILED" 2
grep -q "central source 'central_blacklist' is no longer configured" "$log" \
  || fail "no reason for the refusal"
say "SIGHUP with bj_blacklist added and court_mirror removed: reloaded"
cp "$gen/full.yaml" "$gen/credpipe.yaml"
taken=$(it_count "event=SET_TAKEN")
kill -HUP "$pid"
it_wait_for "event=SERVICE_STOP reload=1" 1
it_wait_for "event=SOURCES_CHANGED" 1
grep -q "event=SOURCES_CHANGED .*added=bj_blacklist removed=court_mirror" "$log" \
  || fail "SOURCES_CHANGED does not name bj_blacklist and court_mirror"
it_wait_for "event=SERVICE_READY" 3
it_wait_for "event=SET_TAKEN" $((taken + 1))
it_wait_until "bj_blacklist's waiting file is read and committed" idle

say "SIGTERM"
it_stop_service

timeout 600 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$gen/truth.json" \
    --report "$work/report.json" --records-topic "${prefix}credpipe.records" \
    --rejects-topic "${prefix}credpipe.rejects" --sharing-topic "${prefix}credpipe.sharing" \
    --isolation read_committed --timeout 300 --retired court_mirror >"$work/check.log" 2>&1 \
  || { tail -n 30 "$work/check.log" >&2; fail "check_output.py: the output is not exactly the truth"; }
tail -n 2 "$work/check.log"
say "PASS"
