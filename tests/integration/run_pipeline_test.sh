#!/usr/bin/env bash
# End-to-end test of credpipe against a running broker:
#   credpipe gen  -> synthetic feeds + truth.json
#   credpipe run  -> topics <prefix>credpipe.{records,rejects,sharing} + report.json
#   check_output.py (independent Python reader) and kcat_check.sh (kcat + zstd + protoc)
#
#   run_pipeline_test.sh CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS [ISOLATION]
#
# CREDPIPE        path of the credpipe binary
# BOOTSTRAP_FILE  file holding host:port (kafka.sh start writes DIR/bootstrap)
# WORK_DIR        emptied and reused: gen/, report.json, *.log
# ROWS            rows per source for `credpipe gen --rows`
# ISOLATION       read_committed (default) or read_uncommitted, for the checker
#
# Environment (optional):
#   CP_TOPIC_PREFIX   topic prefix (default: unique per run, "t<time><pid>.")
#   CP_SEED           generator seed (default 7)
#   CP_RUN_TIMEOUT    seconds allowed for `credpipe run` (default 600)
#   CP_CHECK_TIMEOUT  seconds allowed for reading the topics back (default 300)
#   CP_RUN_ARGS       extra arguments for `credpipe run`
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS [read_committed|read_uncommitted]"
credpipe=${1:?$usage}
bsfile=${2:?$usage}
work=${3:?$usage}
rows=${4:?$usage}
isolation=${5:-read_committed}
seed=${CP_SEED:-7}
run_timeout=${CP_RUN_TIMEOUT:-600}
check_timeout=${CP_CHECK_TIMEOUT:-300}

. "$(dirname "$0")/lib.sh"
it_name run_pipeline_test

it_credpipe "$credpipe"
[[ -s $bsfile ]] || fail "no bootstrap address in $bsfile (is the broker up?)"
bs=$(head -n1 "$bsfile")
[[ $bs == 127.0.0.1:* || $bs == localhost:* || $bs == \[::1\]:* ]] \
  || fail "bootstrap $bs is not on loopback"
prefix=${CP_TOPIC_PREFIX:-t$(date +%s%N | cut -c1-13)$$.}
records=${prefix}credpipe.records
rejects=${prefix}credpipe.rejects
sharing=${prefix}credpipe.sharing

it_workdir "$work"
gen=$work/gen
say "broker $bs, topics ${prefix}credpipe.*, rows $rows, seed $seed, work $work"

t0=$SECONDS
timeout 600 "$credpipe" gen --out "$gen" --rows "$rows" --seed "$seed" \
  >"$work/gen.log" 2>&1 || { show "$work/gen.log"; fail "credpipe gen failed"; }
[[ -f $gen/credpipe.yaml ]] || fail "credpipe gen wrote no $gen/credpipe.yaml"
[[ -f $gen/truth.json ]] || fail "credpipe gen wrote no $gen/truth.json"
say "gen done in $((SECONDS - t0))s"

t0=$SECONDS
# shellcheck disable=SC2086  # CP_RUN_ARGS is a word list on purpose
timeout --kill-after=30 "$run_timeout" "$credpipe" run -c "$gen/credpipe.yaml" --once \
    --brokers "$bs" --topic-prefix "$prefix" --report-json "$work/report.json" \
    ${CP_RUN_ARGS:-} >"$work/run.log" 2>&1 \
  || { rc=$?; show "$work/run.log"; fail "credpipe run exited $rc"; }
[[ -f $work/report.json ]] || fail "credpipe run wrote no $work/report.json"
say "run done in $((SECONDS - t0))s"

t0=$SECONDS
set +e
timeout --kill-after=10 $((check_timeout + 60)) "$PY" "$HERE/check_output.py" \
    --bootstrap "$bs" --truth "$gen/truth.json" --report "$work/report.json" \
    --records-topic "$records" --rejects-topic "$rejects" --sharing-topic "$sharing" \
    --isolation "$isolation" --timeout "$check_timeout" 2>&1 | tee "$work/check.log"
rc=${PIPESTATUS[0]}
set -e
[[ $rc == 0 ]] || fail "check_output.py exited $rc"
say "check_output done in $((SECONDS - t0))s"

set +e
"$HERE/kcat_check.sh" "$bs" "$records" 2>&1 | tee "$work/kcat_check.log"
rc=${PIPESTATUS[0]}
set -e
[[ $rc == 0 ]] || fail "kcat_check.sh exited $rc"

# credpipe's own reader: one JSON line per produced record and per reject.
dec_iso=()
[[ $isolation == read_uncommitted ]] && dec_iso=(--uncommitted)
for t in records rejects; do
  topic=${prefix}credpipe.$t
  timeout --kill-after=10 120 "$credpipe" decode -b "$bs" -t "$topic" "${dec_iso[@]}" \
      >"$work/decode.$t.jsonl" 2>"$work/decode.$t.log" \
    || { show "$work/decode.$t.log"; fail "credpipe decode -t $topic failed"; }
done
want_rec=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["produced"])' "$gen/truth.json")
want_rej=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["rejects"])' "$gen/truth.json")
got_rec=$(wc -l <"$work/decode.records.jsonl")
got_rej=$(wc -l <"$work/decode.rejects.jsonl")
[[ $got_rec == "$want_rec" ]] || fail "credpipe decode printed $got_rec records, truth says $want_rec"
[[ $got_rej == "$want_rej" ]] || fail "credpipe decode printed $got_rej rejects, truth says $want_rej"
say "credpipe decode: $got_rec records, $got_rej rejects, as truth says"
say "OK"
