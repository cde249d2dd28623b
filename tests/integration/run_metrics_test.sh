#!/usr/bin/env bash
# /metrics, /healthz, /readyz and `credpipe report`, end to end on the
# embedded broker:
#
#   run_metrics_test.sh CREDPIPE WORK_DIR ROWS
#
# 1. starts `credpipe broker` (it outlives the run, for `report -b`);
# 2. `credpipe gen`, then `credpipe run --once --metrics-listen 127.0.0.1:0
#    --metrics-port-file F --linger-ms N` in the background: the server
#    stays up after the run until it gets SIGTERM, so the scrape of the
#    final figures is deterministic (no race with the end of the run);
# 3. metrics_check.py waits until the run reports itself finished, parses
#    the scrape with prometheus_client and compares it with --report-json;
# 4. SIGTERM ends the run, which must exit 0;
# 5. `credpipe report --report-json F --format json|csv|table` and
#    `credpipe report -b BROKER` print the same figures as the file.
#
# Everything listens on and connects to 127.0.0.1 only; every wait has a
# deadline, and a trap stops what was started.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE WORK_DIR ROWS"
credpipe=${1:?$usage}
work=${2:?$usage}
rows=${3:?$usage}

. "$(dirname "$0")/lib.sh"
it_name run_metrics_test

it_credpipe "$credpipe"
it_workdir "$work"

bpid= rpid=
stop() {
  local rc=$?
  for p in $rpid $bpid; do
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
  done
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the broker
timeout --kill-after=10 900 "$credpipe" broker --bootstrap-file "$work/bootstrap" \
  </dev/null >"$work/broker.log" 2>&1 &
bpid=$!
deadline=$((SECONDS + 30))
until [[ -s $work/bootstrap ]] && grep -q ':[0-9]' "$work/bootstrap"; do
  kill -0 "$bpid" 2>/dev/null || { show "$work/broker.log"; fail "credpipe broker exited"; }
  (( SECONDS < deadline )) || fail "no bootstrap address after 30 s"
  sleep 0.1
done
bs=$(head -n1 "$work/bootstrap")
[[ $bs == 127.0.0.1:* ]] || fail "bootstrap $bs is not on loopback"
say "broker $bs"

# ---- the run, serving /metrics until told to stop
timeout 600 "$credpipe" gen --out "$work/gen" --rows "$rows" --seed 11 >"$work/gen.log" 2>&1 \
  || { show "$work/gen.log"; fail "credpipe gen failed"; }
# A short report period: the periodic SharingReport path runs too.
printf 'report:\n  interval: 100ms\n' >>"$work/gen/credpipe.yaml"
prefix=m$$.
timeout --kill-after=10 600 "$credpipe" run -c "$work/gen/credpipe.yaml" --once --no-progress \
    --brokers "$bs" --topic-prefix "$prefix" --report-json "$work/report.json" \
    --metrics-listen 127.0.0.1:0 --metrics-port-file "$work/port" --linger-ms 300000 \
    </dev/null >"$work/run.out" 2>"$work/run.log" &
rpid=$!
deadline=$((SECONDS + 60))
until [[ -s $work/port ]]; do
  kill -0 "$rpid" 2>/dev/null || { show "$work/run.log"; fail "credpipe run exited early"; }
  (( SECONDS < deadline )) || fail "no metrics port after 60 s"
  sleep 0.1
done
port=$(cat "$work/port")
grep -q "event=METRICS_LISTEN addr=127.0.0.1 port=$port" "$work/run.log" \
  || fail "no METRICS_LISTEN line with port $port in the run's log"
say "metrics on 127.0.0.1:$port"

timeout 400 "$PY" "$HERE/metrics_check.py" --port "$port" --report "$work/report.json" \
    --timeout 300 --save "$work/metrics.txt" \
  || { show "$work/run.log"; fail "metrics_check.py"; }

kill -TERM "$rpid"
set +e
wait "$rpid"
rc=$?
set -e
rpid=
[[ $rc == 0 ]] || { show "$work/run.log"; fail "credpipe run exited $rc after SIGTERM"; }
grep -q "event=LINGER" "$work/run.log" || fail "no LINGER line in the run's log"

# ---- credpipe report, from the file and from the topic
same_json() { # label file_a file_b
  "$PY" -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
    "$2" "$3" || fail "$1: not the figures of $3"
}
r() { timeout 120 "$credpipe" report "$@"; }
r --report-json "$work/report.json" --format json >"$work/report.file.json" \
  || fail "report --report-json --format json"
same_json "report --report-json --format json" "$work/report.file.json" "$work/report.json"

r --report-json "$work/report.json" --format csv >"$work/report.csv" \
  || fail "report --format csv"
"$PY" - "$work/report.csv" "$work/report.json" <<'EOF' || fail "report --format csv"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
rep = json.load(open(sys.argv[2]))
assert open(sys.argv[1], newline="").read().count("\r\n") == len(rows) + 1, "CRLF line ends"
assert [r["source"] for r in rows] == [s["source"] for s in rep["sources"]], "one row per source"
for row, s in zip(rows, rep["sources"]):
    for k in ("role", "category"):
        assert row[k] == s[k], (s["source"], k)
    for k in ("read", "rejects", "duplicates", "produced", "removals", "unique_keys",
              "shared_with_central", "shared_fuzzy", "central_unreported", "discrepant",
              "subjects"):
        assert int(row[k]) == s[k], (s["source"], k, row[k], s[k])
    assert int(row["read"]) == int(row["produced"]) + int(row["duplicates"]) + int(row["rejects"])
    for c, n in s["key_classes"].items():
        assert int(row["keys_" + c]) == n, (s["source"], c)
    for f, n in s["completeness"]["present"].items():
        assert int(row["present_" + f]) == n, (s["source"], f)
    for code, n in s["rejects_by_reason"].items():
        assert int(row["rejects_" + code]) == n, (s["source"], code)
    assert abs(float(row["sharing_rate"]) - s["sharing_rate"]) < 1e-12
    for k in ("keys", "removals"):
        assert int(row["withdrawn_later_" + k]) == s["withdrawn_later"][k], (s["source"], k)
# gen's feeds withdraw some entries by a later record, some of them produced
assert sum(s["withdrawn_later"]["removals"] for s in rep["sources"]) > 0, "no withdrawn_later"
print(f"csv: {len(rows)} rows, {len(rows[0])} columns")
EOF

r --report-json "$work/report.json" --format table >"$work/report.table" \
  || fail "report --format table"
"$PY" -c '
import json, sys
table = open(sys.argv[1]).read()
missing = [s["source"] for s in json.load(open(sys.argv[2]))["sources"] if s["source"] not in table]
sys.exit(f"table lacks {missing}" if missing else 0)' "$work/report.table" "$work/report.json" \
  || fail "report --format table"

r -b "$bs" --topic-prefix "$prefix" --format json >"$work/report.kafka.json" \
    2>"$work/report.kafka.log" || { show "$work/report.kafka.log"; fail "report -b"; }
same_json "report -b --format json" "$work/report.kafka.json" "$work/report.json"
r -b "$bs" --topic-prefix "$prefix" >"$work/report.kafka.table" 2>/dev/null \
  || fail "report -b (table)"
cmp -s "$work/report.kafka.table" "$work/report.table" \
  || fail "report -b prints another table than report --report-json"

# Every SharingReport on the topic was counted by /metrics.
timeout 120 "$credpipe" decode -b "$bs" -t "${prefix}credpipe.sharing" --uncommitted \
  >"$work/sharing.jsonl" 2>"$work/decode.log" || { show "$work/decode.log"; fail "decode"; }
want=$(sed -n 's/^credpipe_sharing_reports_total \([0-9]*\).*/\1/p' "$work/metrics.txt")
got=$(wc -l <"$work/sharing.jsonl")
[[ $got == "$want" ]] || fail "$got SharingReports on the topic, /metrics counted $want"
say "$got SharingReport(s) on the topic; report from file and topic agree"
say "OK"
