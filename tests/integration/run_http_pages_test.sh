#!/usr/bin/env bash
# The whole pipeline over `credpipe gen`'s portal (two of its feeds served
# as paginated JSON pages, by page number and by cursor) against a real
# broker, with state.dir: the output, read back read_committed by
# check_output.py, must equal truth-portal.json exactly.
#
#   run_http_pages_test.sh CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS MODE
#
# MODE
#   once     one `run --once`; the portal answers a 500 and a 429 (with
#            Retry-After) per source, so back-off is exercised.
#   crash    exact replay after kill -9. Run 1 is killed once both portal
#            sources are fetched and spooled; the portal then changes a page
#            of each (already fetched). Run 2 must read the spooled pages
#            (HTTP_SPOOL_REPLAY; a source its restored state holds whole is
#            not read at all), not fetch, and is killed after its first
#            checkpoint commit; the portal then goes down (503). Run 3 must
#            still finish, from the spool. The portal must see no page
#            request after run 1's kill.
#   service  service mode: set 1 (every feed file, the portal fetched) is
#            cut by kill -9 after the fetch, the portal goes down, the
#            restart finishes set 1 from the spool; the portal comes back,
#            a file with no records starts set 2, whose fetch gets 304 for
#            every page (ETag, and If-Modified-Since for the cursor portal)
#            and reads nothing again; SIGTERM.
#
# The portal (http_portal.py --gen) is stopped by the EXIT trap, and exits
# by itself after CP_HTTP_TEST_LIFETIME seconds (default 900) in any case.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS once|crash|service"
credpipe=${1:?$usage}
bsfile=${2:?$usage}
work=${3:?$usage}
rows=${4:?$usage}
mode=${5:?$usage}
lifetime=${CP_HTTP_TEST_LIFETIME:-900}

. "$(dirname "$0")/lib.sh"
it_name "run_http_pages_test[$mode]"

case $mode in once|crash|service) ;; *) fail "$usage" ;; esac
it_credpipe "$credpipe"
it_bootstrap "$bsfile"
it_workdir "$work"
gen=$work/gen
it_prefix h
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

pid= ppid=
cleanup() {
  local rc=$?
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  [[ -n $ppid ]] && { kill -TERM "$ppid" 2>/dev/null; wait "$ppid" 2>/dev/null; }
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

timeout 600 "$credpipe" gen --out "$gen" --rows "$rows" --seed 23 >"$work/gen.log" 2>&1 \
  || { show "$work/gen.log"; fail "credpipe gen failed"; }
[[ -f $gen/portal/index.json && -f $gen/truth-portal.json ]] || fail "gen wrote no portal"

"$PY" "$HERE/http_portal.py" --gen "$gen" --faults --port-file "$work/port" \
  --log "$work/requests.log" --max-lifetime "$lifetime" </dev/null >"$work/portal.log" 2>&1 &
ppid=$!
for ((t = 0; t < 200; t++)); do
  [[ -s $work/port ]] && break
  kill -0 "$ppid" 2>/dev/null || { show "$work/portal.log"; fail "the portal exited"; }
  sleep 0.1
done
[[ -s $work/port ]] || fail "the portal wrote no port in 20 s"
base=http://127.0.0.1:$(head -n1 "$work/port")
say "portal at $base"
control() { "$PY" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$base/_control/$1"; }

conf=$gen/credpipe-portal.yaml
sed -i "s|@PORTAL@|$base|" "$conf"
cat >>"$conf" <<EOF
state:
  dir: $work/state
  instance: pages-$mode-$$
  checkpoint_interval: 100ms
  settle: 1s
EOF

log=
wait_for() {  # wait_for PATTERN N: until the log has N lines matching, 60 s
  local t
  for ((t = 0; t < 600; t++)); do
    (( $(it_count "$1") >= $2 )) && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  fail "no $1 (#$2) within 60 s"
}
start() {  # start LOG [args]: credpipe run in the background
  log=$1; shift
  "$credpipe" run -c "$conf" --brokers "$bs" --topic-prefix "$prefix" --no-progress \
    --log-level info,run=debug "$@" >"$log.out" 2>"$log" &
  pid=$!
}
kill9() { kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; }
# Until both portals are fetched, at once: the rest of the run can take
# a tenth of a second, so the log is followed (tail -F, inotify) instead
# of polled, and grep passes on only the lines looked for (bash reads a
# pipe a byte at a time: hundreds of lines of FILE_DONE and HTTP_RETRY
# before them took it longer than that tenth under ASan and load). The
# tail is not waited for; --pid ends it with credpipe.
fetched_both() {
  local line n=0
  while IFS= read -r line; do
    (( ++n == 2 )) && break
  done < <(timeout 60 tail -n +1 -F --pid="$pid" "$log" 2>/dev/null |
           grep --line-buffered 'event=HTTP_FETCHED source=court_defaulters')
  (( n == 2 ))
}
# The run must not have finished before the kill: nothing would be left
# to replay.
kill_alive() {
  kill -0 "$pid" 2>/dev/null || fail "credpipe finished before it could be killed: raise ROWS"
  kill9
  (( $(it_count 'event=INPUTS_DONE') + $(it_count 'event=SET_DONE') == 0 )) \
    || fail "the run's last epoch was committed before the kill: raise ROWS"
}

# check: truth-portal.json with each page reject's file named as the spool
# names the page (from the spool's state.json), then check_output.py.
check() {
  "$PY" - "$gen" "$work/truth.json" <<'EOF' || fail "cannot map the truth's pages to the spool"
import json, os, sys
from urllib.parse import parse_qs, urlparse
gen, out = sys.argv[1], sys.argv[2]
truth = json.load(open(os.path.join(gen, "truth-portal.json")))
index = {p["source"]: p for p in json.load(open(os.path.join(gen, "portal", "index.json")))["portals"]}
names = {}
for src, p in index.items():
    st = json.load(open(os.path.join(gen, "spool", src, "state.json")))
    for e in st["pages"]:
        q = parse_qs(urlparse(e["url"]).query)
        if p["mode"] == "page":
            n = int(q["pageNo"][0])
        else:
            n = p["cursors"].index(q.get("cursor", [None])[0]) + 1
        names[f"portal/{src}/page-{n}.json"] = e["file"]
for r in truth["rejects"]:
    if r["file"].startswith("portal/"):
        r["file"] = names[r["file"]]
json.dump(truth, open(out, "w"), ensure_ascii=False)
EOF
  timeout 600 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$work/truth.json" \
      --report "$work/report.json" --records-topic "${prefix}credpipe.records" \
      --rejects-topic "${prefix}credpipe.rejects" --sharing-topic "${prefix}credpipe.sharing" \
      --isolation read_committed --timeout 300 >"$work/check.log" 2>&1 \
    || { show "$work/check.log"; fail "check_output.py: the output differs from the truth"; }
  tail -n 2 "$work/check.log"
}
answers() { awk -F'\t' -v s="$1" '$1 !~ /^\/_control/ && $3 == s' "$work/requests.log" | wc -l; }
committed_read() {  # the spool's read list of SOURCE is committed
  "$PY" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["read"]["committed"] else 1)' \
    "$gen/spool/$1/state.json"
}

case $mode in
once)
  start "$work/run.log" --once --report-json "$work/report.json"
  wait "$pid" || { rc=$?; pid=; fail "credpipe run exited $rc"; }
  pid=
  [[ $(answers 500) == 2 && $(answers 429) == 2 ]] \
    || fail "the portal answered $(answers 500) 500s and $(answers 429) 429s, want 2 and 2"
  [[ $(it_count 'event=HTTP_RETRY') -ge 4 ]] || fail "fewer than 4 HTTP_RETRY"
  grep -q 'retry_after_s=1' "$log" || fail "Retry-After was not honoured"
  committed_read court_defaulters && committed_read court_defaulters_org \
    || fail "the spools' read lists are not marked committed"
  check
  ;;
crash)
  start "$work/run1.log" --once
  fetched_both || fail "run 1 ended before both portals were fetched"
  kill_alive
  say "run 1 killed after both fetches ($(it_count 'event=CHECKPOINT_COMMITTED') commits)"
  before=$(control count)
  control "replace?source=court_defaulters&page=1" >/dev/null
  control "replace?source=court_defaulters_org&page=2" >/dev/null

  start "$work/run2.log" --once
  if wait_for "event=CHECKPOINT_COMMITTED" 1; then kill9; say "run 2 killed after a commit"
  else wait "$pid" || true; pid=; say "run 2 ended before its first commit"; fi
  # A source the checkpoint holds whole is not read at all; the others
  # are read from the spool. The portal must see no request either way.
  (( $(it_count 'event=HTTP_SPOOL_REPLAY') >= 1 )) || fail "run 2 did not read the spool again"
  say "run 2: $(it_count 'event=HTTP_SPOOL_REPLAY') spool replays"
  control "down?on=1" >/dev/null

  start "$work/run3.log" --once --report-json "$work/report.json"
  wait "$pid" || { rc=$?; pid=; fail "run 3 exited $rc"; }
  pid=
  after=$(control count)
  [[ $after == "$before" ]] || fail "the portal got $((after - before)) page requests after run 1's kill"
  grep -qE 'event=STATE_(RESTORED|REPLAY|REBUILD)' "$log" \
    || say "note: run 3 started fresh (no commit before the kills)"
  # What run 3 saw of the two sources: read again from the spool, when
  # its restored state did not hold them whole.
  say "run 3: $(it_count 'event=HTTP_SPOOL_REPLAY') spool replays; the portal got no request"
  committed_read court_defaulters && committed_read court_defaulters_org \
    || fail "the spools' read lists are not marked committed"
  check
  ;;
service)
  # Each file source reads its own spool folder, filled before the start,
  # so that set 1 holds every feed (central sources first, as the truth
  # assumes).
  sed -i -E 's#paths: \[feeds/([a-z_]+)\.([a-z]+)\]#paths: [spool/\1/*.\2]#' "$conf"
  grep -q 'paths: \[spool/mem_penalties/\*.csv\]' "$conf" || fail "cannot point the sources at spool folders"
  for f in "$gen"/feeds/*; do
    b=$(basename "$f"); s=${b%.*}
    [[ -n $(sed -n "/id: $s\$/,/^  - id:/p" "$conf" | grep 'http_json') ]] && continue
    mkdir -p "$gen/spool/$s"; cp "$f" "$gen/spool/$s/"
  done
  # Settled before the start, all of them: set 1 takes every file at once
  # (files younger than state.settle would wait for a later set).
  find "$gen/spool" -type f -exec touch -d '1 minute ago' {} +
  start "$work/service1.log" --report-json "$work/report.json"
  fetched_both || fail "the service exited before both portals were fetched"
  kill_alive
  say "set 1 cut after both fetches"
  before=$(control count)
  control "down?on=1" >/dev/null
  start "$work/service2.log" --report-json "$work/report.json"
  wait_for "event=SET_DONE" 1 || fail "the restarted service exited before finishing set 1"
  (( $(it_count 'event=HTTP_SPOOL_REPLAY') >= 1 )) || fail "set 1 was not finished from the spool"
  say "restart: $(it_count 'event=HTTP_SPOOL_REPLAY') spool replays"
  [[ $(control count) == "$before" ]] || fail "the portal got page requests while set 1 was replayed"
  committed_read court_defaulters && committed_read court_defaulters_org \
    || fail "set 1's read lists are not marked committed"
  control "down?on=0" >/dev/null

  say "set 2: a file without records; every page must answer 304"
  : >"$work/requests.log"
  head -n1 "$gen/feeds/mem_penalties.csv" >"$gen/spool/mem_penalties/.empty.csv.part"
  mv "$gen/spool/mem_penalties/.empty.csv.part" "$gen/spool/mem_penalties/empty.csv"
  wait_for "event=SET_DONE" 2 || fail "the service exited before finishing set 2"
  pages=$(find "$gen/portal" -name 'page-*.json' | wc -l)
  [[ $(answers 304) == "$pages" && $(answers 200) == 0 ]] \
    || { cat "$work/requests.log" >&2; fail "set 2: $(answers 304) answers 304 and $(answers 200) 200, want $pages and 0"; }
  [[ $(awk -F'\t' '$4 != "-"' "$work/requests.log" | wc -l) -gt 0 ]] \
    || fail "set 2 sent no If-Modified-Since"
  grep -q 'event=HTTP_FETCHED source=court_defaulters .*changed=0' "$log" || fail "set 2 read a page again"
  kill -TERM "$pid"
  for ((t = 0; t < 300; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  wait "$pid" || { rc=$?; pid=; fail "the service exited $rc after SIGTERM"; }
  pid=
  check
  ;;
esac
say "PASS"
