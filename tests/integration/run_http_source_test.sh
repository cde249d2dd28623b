#!/usr/bin/env bash
# End-to-end test of an http source (format http_json) on loopback:
#
#   run_http_source_test.sh CREDPIPE WORK_DIR
#
# Starts http_portal.py (Python 3 standard library) on 127.0.0.1, port 0,
# and runs `credpipe run --once` three times with the embedded broker over
# one http source with two URLs, checking the report JSON exactly:
#
#   1. a fresh spool: 4 pages of penalties (page 2 answers 503 once, with
#      Retry-After: 1) and a page that is not JSON.
#      read 13 = 12 elements + 1 page; rejects 3 = an element that is not an
#      object, a record without subject, the page that is not JSON;
#      duplicates 1 (page 3 repeats a record of page 1); produced 9.
#   2. the same spool, nothing changed: every page is asked for with its
#      ETag and answered 304, so nothing is read: all counts 0.
#   3. page 2 changed: it alone is read: read 4, rejects 1, produced 3.
#
# The portal is killed by the EXIT trap, and exits by itself after
# CP_HTTP_TEST_LIFETIME seconds (default 300) in any case.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE WORK_DIR"
credpipe=${1:?$usage}
work=${2:?$usage}
lifetime=${CP_HTTP_TEST_LIFETIME:-300}

. "$(dirname "$0")/lib.sh"
it_name run_http_source_test

it_credpipe "$credpipe"
it_workdir "$work"
# Loopback only: no proxy from the environment may see these requests.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

"$PY" "$HERE/http_portal.py" --port-file "$work/port" --log "$work/requests.log" \
  --max-lifetime "$lifetime" </dev/null >"$work/portal.log" 2>&1 &
ppid=$!
stop_portal() {
  local rc=$?
  kill -TERM "$ppid" 2>/dev/null || true
  wait "$ppid" 2>/dev/null || true
  exit "$rc"
}
trap stop_portal EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

deadline=$((SECONDS + 20))
until [[ -s $work/port ]]; do
  kill -0 "$ppid" 2>/dev/null || { show "$work/portal.log"; fail "the portal exited"; }
  (( SECONDS < deadline )) || fail "the portal wrote no port in 20 s"
  sleep 0.1
done
port=$(head -n1 "$work/port")
base=http://127.0.0.1:$port
say "portal pid $ppid at $base"

cat >"$work/credpipe.yaml" <<EOF
batch:
  records: 5
sources:
  - id: hz_portal
    role: municipal
    category: admin_penalty
    format: http_json
    preset: sgs_penalty
    http:
      url:
        - "$base/api/penalties?pageNo={page}&pageSize=4"
        - "$base/api/broken?pageNo={page}"
      records: data.list
      pagination: {mode: page, first: 1, max_pages: 100}
      retries: 3
      backoff_ms: 50
      timeout_ms: 5000
EOF

# run N: credpipe run --once, report in run-N.json, log in run-N.log
run() {
  local n=$1
  : >"$work/requests.log"
  timeout --kill-after=10 120 "$credpipe" run -c "$work/credpipe.yaml" --once \
      --no-progress --report-json "$work/run-$n.json" >"$work/run-$n.log" 2>&1 \
    || { rc=$?; show "$work/run-$n.log"; fail "run $n: credpipe run exited $rc"; }
  cp "$work/requests.log" "$work/requests-$n.log"
}

# expect N READ REJECTS DUPLICATES PRODUCED: the source's counts in run N
expect() {
  "$PY" - "$work/run-$1.json" "$2" "$3" "$4" "$5" <<'EOF' || fail "run $1: report counts differ"
import json, sys
rep = json.load(open(sys.argv[1]))
want = dict(zip(("read", "rejects", "duplicates", "produced"), map(int, sys.argv[2:6])))
src = [s for s in rep["sources"] if s["source"] == "hz_portal"]
assert len(src) == 1, rep["sources"]
got = {k: src[0][k] for k in want}
tot = {k: rep["totals"][k] for k in want}
print(f"  hz_portal {got}")
if got != want or tot != want:
    print(f"  want {want}, totals {tot}", file=sys.stderr)
    sys.exit(1)
EOF
}

# requests N STATUS COUNT: run N got COUNT answers with STATUS
requests() {
  local got
  got=$(awk -F'\t' -v s="$2" '$3 == s' "$work/requests-$1.log" | wc -l)
  [[ $got == "$3" ]] || { cat "$work/requests-$1.log" >&2; fail "run $1: $got answers $2, want $3"; }
}

say "run 1: fresh spool"
run 1
expect 1 13 3 1 9
requests 1 503 1
requests 1 200 5
grep -q 'event=HTTP_RETRY' "$work/run-1.log" || fail "run 1 logged no HTTP_RETRY"
grep -q 'retry_after_s=1' "$work/run-1.log" || fail "run 1 did not honour Retry-After"
grep -q 'reason=http_page_parse_error' "$work/run-1.log" || fail "run 1: no page reject logged"
pages=$(find "$work/spool/hz_portal" -name 'u*-p*.json' | wc -l)
[[ $pages == 5 ]] || fail "run 1 spooled $pages pages, want 5"
[[ -s $work/spool/hz_portal/state.json ]] || fail "run 1 wrote no state.json"

say "run 2: nothing changed"
run 2
expect 2 0 0 0 0
requests 2 304 5
[[ $(grep -c '"p[0-9]-v1"\|"b1-v1"' "$work/requests-2.log") == 5 ]] \
  || { cat "$work/requests-2.log" >&2; fail "run 2 did not send every ETag"; }

say "run 3: page 2 changed"
"$PY" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1]).read()" \
  "$base/_control/bump?page=2"
run 3
expect 3 4 1 0 3
requests 3 200 1
requests 3 304 4
say "OK"
