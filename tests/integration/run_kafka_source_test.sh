#!/usr/bin/env bash
# Kafka sources against a real broker: a `credpipe gen` JSON Lines source
# is written into a topic (one message per record, several partitions) and
# read back by a `format: kafka` source with the same id, in place of the
# file. The output must equal the truth exactly:
#
#  1. value_format json, with state.dir: runs killed with SIGKILL at random
#     moments, then one that finishes; check_output.py reads every topic
#     read_committed (no loss, no duplicate, the report equal to the truth),
#     and the group's committed offsets must equal the topic's end offsets
#     (they move in the epochs' transactions);
#  2. value_format protobuf, without state.dir: one run; the same checks
#     (the offsets are committed after the flush);
#  3. service mode (json): a set of the files and half the messages, then
#     a set started by the other half alone, killed with SIGKILL and
#     resumed; SIGTERM; the same checks.
#
#   run_kafka_source_test.sh CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS ROUNDS
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE BOOTSTRAP_FILE WORK_DIR ROWS ROUNDS"
credpipe=${1:?$usage}
bsfile=${2:?$usage}
work=${3:?$usage}
rows=${4:?$usage}
rounds=${5:?$usage}
source_id=court_defaulters

. "$(dirname "$0")/lib.sh"
it_name run_kafka_source_test

it_credpipe "$credpipe"
it_bootstrap "$bsfile"
it_workdir "$work"
it_prefix k
it_kill_pid_on_exit

# gen DIR SEED VALUE GROUP: feeds, truth and the topic holding the source.
gen() {
  timeout 600 "$credpipe" gen --out "$1" --rows "$rows" --seed "$2" >"$1.gen.log" 2>&1 \
    || { show "$1.gen.log"; fail "credpipe gen failed"; }
  timeout 300 "$PY" "$HERE/kafka_feed.py" produce --bootstrap "$bs" --topic "$prefix$3.in" \
      --partitions 4 --gen "$1" --source "$source_id" --value "$3" --group "$4" \
      >"$1.feed.log" 2>&1 || { show "$1.feed.log"; fail "feeding the topic failed"; }
  tail -n 1 "$1.feed.log"
  # Small batches: many positions inside each partition to resume from.
  printf 'batch: {records: 200}\n' >>"$1/credpipe.yaml"
}

run() {  # run DIR TOPIC_PREFIX LOG [extra args]: credpipe in the background, sets pid
  local dir=$1 tp=$2 log=$3; shift 3
  "$credpipe" run -c "$dir/credpipe.yaml" --once --brokers "$bs" --topic-prefix "$tp" \
    --no-progress "$@" >"$log.out" 2>"$log" &
  pid=$!
}

check() {  # check DIR TOPIC_PREFIX VALUE GROUP: output == truth, offsets == ends
  timeout 600 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$1/truth.json" \
      --report "$1/report.json" --records-topic "${2}credpipe.records" \
      --rejects-topic "${2}credpipe.rejects" --sharing-topic "${2}credpipe.sharing" \
      --isolation read_committed --timeout 300 >"$1.check.log" 2>&1 \
    || { show "$1.check.log"; fail "$3: check_output.py found the output different from the truth"; }
  tail -n 1 "$1.check.log"
  timeout 120 "$PY" "$HERE/kafka_feed.py" offsets --bootstrap "$bs" --group "$4" \
      --topic "$prefix$3.in" >"$1.offsets.log" 2>&1 \
    || { cat "$1.offsets.log" >&2; fail "$3: the group's committed offsets are not the end offsets"; }
  sed 's/^/  /' "$1.offsets.log"
  timeout 300 "$PY" "$HERE/kafka_feed.py" positions --bootstrap "$bs" --source "$source_id" \
      --records-topic "${2}credpipe.records" --rejects-topic "${2}credpipe.rejects" \
      >"$1.positions.log" 2>&1 \
    || { cat "$1.positions.log" >&2; fail "$3: positions of the Kafka records are wrong"; }
  sed 's/^/  /' "$1.positions.log"
}

# ---- 1. json, exactly once across SIGKILLs
j=$work/json
gen "$j" 21 json "${prefix}json.group"
cat >>"$j/credpipe.yaml" <<EOF
state:
  dir: $work/state
  instance: ksrc-$$
  checkpoint_interval: 150ms
EOF
# How long an uninterrupted run takes, to spread the kills over it: with
# its own state, output topics and group, so the real runs start afresh.
sed -e "s|dir: $work/state|dir: $work/estimate-state|" -e "s|instance: ksrc-|instance: kest-|" \
    -e "s|group: ${prefix}json.group|group: ${prefix}estimate.group|" \
    "$j/credpipe.yaml" >"$j/estimate.yaml"
t0=$(date +%s%N)
timeout 600 "$credpipe" run -c "$j/estimate.yaml" --once --brokers "$bs" \
    --topic-prefix "e$prefix" --no-progress >/dev/null 2>"$work/estimate.log" \
  || { show "$work/estimate.log"; fail "the estimating run failed"; }
est_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill_min=300 kill_max=$(( est_ms * 9 / 10 ))
(( kill_max > kill_min + 100 )) || kill_max=$(( kill_min + 100 ))
say "json: an uninterrupted run takes ${est_ms} ms; kills between ${kill_min} and ${kill_max} ms"

killed=0
for ((r = 1; r <= rounds; r++)); do
  delay=$(( kill_min + (RANDOM * 32768 + RANDOM) % (kill_max - kill_min + 1) ))
  run "$j" "$prefix" "$work/round$r.log"
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then
    killed=$((killed + 1))
    wait "$pid" 2>/dev/null || true
    say "json: round $r killed after ${delay} ms" \
        "($(grep -c 'event=KAFKA_PARTITION_DONE' "$work/round$r.log" || true) partitions done)"
  else
    wait "$pid" || { show "$work/round$r.log"; fail "round $r: credpipe failed by itself"; }
    say "json: round $r finished before the kill at ${delay} ms"
  fi
  pid=
  # A damaged snapshot is never loaded: the previous one is replayed from
  # (its Kafka offsets up to the checkpoint's), or, both damaged, the
  # topics from their beginning.
  if [[ -f $work/state/snapshot ]]; then
    case $((r % 3)) in
      2) truncate -s $(( $(stat -c %s "$work/state/snapshot") / 2 )) "$work/state/snapshot"
         say "json: round $r: truncated the snapshot" ;;
      0) printf '\x55' | dd of="$work/state/snapshot" bs=1 seek=200 conv=notrunc status=none
         [[ -f $work/state/snapshot.prev ]] && truncate -s 100 "$work/state/snapshot.prev"
         say "json: round $r: damaged both snapshots" ;;
    esac
  fi
done
(( killed > 0 )) || fail "no run was killed mid-way"
run "$j" "$prefix" "$work/final.log" --report-json "$j/report.json"
wait "$pid" || { show "$work/final.log"; fail "the final run failed"; }
pid=
grep -hoE 'event=(STATE_[A-Z]+|REPLAY_DONE)' "$work"/round*.log "$work/final.log" \
  | sort | uniq -c | sed 's/^/run_kafka_source_test: /' || true
grep -hoE 'event=KAFKA_PARTITION_START.*from=[0-9]+ ' "$work"/round*.log "$work/final.log" \
  | head -n 3 | sed 's/^/run_kafka_source_test: resumed: /' || true
check "$j" "$prefix" json "${prefix}json.group"

# ---- 2. protobuf, without state.dir: offsets committed after the flush
p=$work/protobuf
gen "$p" 22 protobuf "${prefix}protobuf.group"
run "$p" "p$prefix" "$work/protobuf.log" --report-json "$p/report.json"
wait "$pid" || { show "$work/protobuf.log"; fail "the protobuf run failed"; }
pid=
grep -q 'event=KAFKA_OFFSETS_COMMITTED' "$work/protobuf.log" \
  || { show "$work/protobuf.log"; fail "protobuf: no KAFKA_OFFSETS_COMMITTED"; }
check "$p" "p$prefix" protobuf "${prefix}protobuf.group"

# ---- 2b. csv: a CSV source's records as messages (quoted line breaks
# inside), csv_header from its file, with state.dir
source_id=mem_penalties
c=$work/csv
gen "$c" 24 csv "${prefix}csv.group"
printf 'state:\n  dir: %s\n  instance: kcsv-%s\n' "$work/csv-state" "$$" >>"$c/credpipe.yaml"
run "$c" "c$prefix" "$work/csv.log" --report-json "$c/report.json"
wait "$pid" || { show "$work/csv.log"; fail "the csv run failed"; }
pid=
check "$c" "c$prefix" csv "${prefix}csv.group"
source_id=court_defaulters

# ---- 3. service mode: a set of the files and the first half of the
# messages, then a set started by the rest of the messages alone
s=$work/service
timeout 600 "$credpipe" gen --out "$s" --rows "$rows" --seed 23 >"$s.gen.log" 2>&1 \
  || { show "$s.gen.log"; fail "credpipe gen failed"; }
sed -i -E 's#paths: \[feeds/([a-z_]+)\.([a-z]+)\]#paths: [spool/\1/*.\2]#' "$s/credpipe.yaml"
for f in "$s"/feeds/*; do
  b=$(basename "$f"); mkdir -p "$s/spool/${b%.*}"
  [[ ${b%.*} == "$source_id" ]] || cp "$f" "$s/spool/${b%.*}/$b"
done
feed() {  # feed STAGE
  timeout 300 "$PY" "$HERE/kafka_feed.py" produce --bootstrap "$bs" \
      --topic "${prefix}service.in" --partitions 4 --gen "$s" --source "$source_id" \
      --feed "$s/feeds/$source_id.jsonl" --group "${prefix}service.group" --stage "$1" \
      >"$s.feed.log" 2>&1 || { show "$s.feed.log"; fail "feeding the topic failed"; }
  tail -n 1 "$s.feed.log"
}
feed first
printf '%s\n' 'batch: {records: 200}' 'state:' "  dir: $work/service-state" \
  "  instance: ksvc-$$" '  checkpoint_interval: 150ms' '  settle: 1s' >>"$s/credpipe.yaml"
# Settled (state.settle) before the start: set 1 holds every file.
sleep 2
slog=$work/service.log
service() {
  "$credpipe" run -c "$s/credpipe.yaml" --brokers "$bs" --topic-prefix "v$prefix" \
    --report-json "$s/report.json" >>"$slog.out" 2>>"$slog" &
  pid=$!
}
service
wait_sets() {  # wait_sets N: until N sets are done
  local t
  for ((t = 0; t < 1200; t++)); do
    (( $(grep -c 'event=SET_DONE' "$slog" || true) >= $1 )) && return 0
    kill -0 "$pid" 2>/dev/null || { show "$slog"; fail "service: credpipe exited"; }
    sleep 0.1
  done
  show "$slog"; fail "service: no SET_DONE #$1 within 120 s"
}
wait_sets 1
feed second
# The set the messages start is cut by SIGKILL while it reads them, and
# resumed by a restart: the Kafka positions of set 1 must survive.
for ((t = 0; t < 600; t++)); do
  grep -q 'event=SET_TAKEN set=2' "$slog" && break
  sleep 0.05
done
sleep "0.$(( RANDOM % 4 ))"
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
say "service: killed in set 2 after $(grep -c 'event=KAFKA_PARTITION_DONE' "$slog") partitions"
service
for ((t = 0; t < 600; t++)); do
  (( $(grep -c 'event=SERVICE_READY' "$slog" || true) >= 2 )) && break
  sleep 0.1
done
wait_sets 2
kill -TERM "$pid"
wait "$pid" || { show "$slog"; fail "service: SIGTERM did not end it with 0"; }
pid=
grep -E 'event=(SET_TAKEN|SET_RESUMED|STATE_[A-Z]+)' "$slog" | sed 's/^.*event=/run_kafka_source_test: service: /'
check "$s" "v$prefix" service "${prefix}service.group"
say "PASS: json exact after $killed kills, protobuf exact, service mode exact over two" \
    "sets, committed offsets at the ends"
