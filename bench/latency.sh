#!/usr/bin/env bash
# credpipe benchmark, shape (d): latency and memory at a constant offered
# load, in service mode with exactly once.
#
#   bench/latency.sh [RATE [SECONDS]]    (default 200000 rows/s for 60 s)
#
# A penalty feed of RATE x SECONDS rows (bench/penalty_feed.py: shape a's
# rows, about 5 % duplicates, every other key new; subjects new for the
# first million rows, then repeating) is cut into files of
# RATE x BENCH_PERIOD rows (default 0.1 s), each with the header. credpipe
# runs as the service (`run` without --once, state.dir, transactions, the
# default checkpoint interval unless BENCH_CHECKPOINT is set) on a spool
# folder, files deleted once committed. The offering loop renames one file
# into the spool every BENCH_PERIOD seconds, on a fixed schedule, and logs
# when; bench/latency.py reads the records topic meanwhile (read_committed)
# and gives each record's delay from its file's delivery to its receipt.
# Every second the driver samples credpipe's RSS and the size of its state
# snapshot. When the last file is committed, SIGTERM; then the figures.
#
# BENCH_BROKER=mock (default: `credpipe broker`, librdkafka's mock cluster,
# in its own process; it has no transaction visibility, so a record is
# received once produced, before its commit) or real (Apache Kafka from
# tests/kafka/kafka.sh: a record is received once its transaction commits).
# CREDPIPE (default build/cli/credpipe); BENCH_DIR keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-200000}
secs=${2:-60}
period=${BENCH_PERIOD:-0.1}
broker_kind=${BENCH_BROKER:-mock}
bin=$(realpath "${CREDPIPE:-build/cli/credpipe}")
py=/usr/bin/python3
if [ -n "${BENCH_DIR:-}" ]; then work=$BENCH_DIR; keep=1; else work=$(mktemp -d /tmp/credpipe-latency.XXXXXX); keep=0; fi
mkdir -p "$work"
rows=$(awk -v r="$rate" -v s="$secs" 'BEGIN {printf "%d", r * s}')
per_file=$(awk -v r="$rate" -v p="$period" 'BEGIN {printf "%d", r * p}')
[ "$per_file" -ge 1 ] || { echo "latency.sh: RATE x BENCH_PERIOD is under one row" >&2; exit 2; }

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "$broker_kind" != real ] || tests/kafka/kafka.sh stop "$work/kafka" >/dev/null 2>&1 || true
  [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

# ---- the broker
case $broker_kind in
  mock)
    rm -f "$work/bootstrap"
    "$bin" broker --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
    bs=$(cat "$work/bootstrap") ;;
  real)
    bs=$(tests/kafka/kafka.sh start "$work/kafka" | tail -n1) ;;
  *) echo "latency.sh: BENCH_BROKER is mock or real" >&2; exit 2 ;;
esac

# ---- the input, cut into files of per_file rows
# gen's penalty file is about 11 % of its rows; past 1 M rows,
# penalty_feed.py reads it again with new keys (subjects then repeat).
"$bin" gen --out "$work/g" --rows "$(awk -v r="$rows" 'BEGIN {r = r < 1000000 ? r : 1000000
  printf "%d", r / 0.11 + 1000}')" --seed 11 >/dev/null
rm -f "$work"/g/feeds/*.jsonl "$work"/g/feeds/*.xlsx
"$py" bench/penalty_feed.py "$work/g" "$work/in" "$rows"
rm -rf "$work/g"
mkdir -p "$work/files" "$work/in/spool"
head -n1 "$work/in/penalties.csv" >"$work/header.csv"
# shellcheck disable=SC2016  # $HEADER and $FILE are split's filter's
tail -n +2 "$work/in/penalties.csv" | HEADER=$work/header.csv split -l "$per_file" -d -a 6 \
  --additional-suffix=.csv --filter='cat "$HEADER" - >"$FILE"' - "$work/files/p-"
rm -f "$work/in/penalties.csv"
nfiles=$(ls "$work/files" | wc -l)
"$py" - "$work/in/credpipe.yaml" "$work/state" "${BENCH_CHECKPOINT:-}" <<'PY'
import sys, yaml
path, state, ckpt = sys.argv[1:]
conf = yaml.safe_load(open(path, encoding="utf-8"))
conf["sources"][0].update(paths=["spool/*.csv"], done="delete")
conf["state"] = {"dir": state, "instance": "latency"}
if ckpt:
    conf["state"]["checkpoint_interval"] = ckpt
yaml.safe_dump(conf, open(path, "w", encoding="utf-8"), allow_unicode=True, sort_keys=False)
PY

# ---- credpipe, the reader, the sampler
"$py" bench/measure.py "$work/run.json" "$bin" run -c "$work/in/credpipe.yaml" --brokers "$bs" \
  --topic-prefix d. --log-level info >"$work/run.out" 2>"$work/run.log" &
mpid=$!
pids+=($mpid)
for _ in $(seq 600); do grep -q "event=SERVICE_READY" "$work/run.log" && break; sleep 0.1; done
grep -q "event=SERVICE_READY" "$work/run.log" || { tail "$work/run.log" >&2; exit 1; }
cpid=$(pgrep -P "$mpid" -f "credpipe run" | head -n1)
: >"$work/deliveries"
"$py" bench/latency.py "$bs" d.credpipe.records "$work/deliveries" "$work/latency.json" \
  >"$work/latency.out" 2>&1 &
lpid=$!
pids+=($lpid)
sleep 2  # the reader's group is assigned before the first file
(
  while kill -0 "$cpid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$cpid/status" 2>/dev/null || echo 0)
    snap=$(stat -c %s "$work/state/snapshot" 2>/dev/null || echo 0)
    echo "$(date +%s.%N) $rss $snap"
    sleep 1
  done
) >"$work/memory.tsv" &
pids+=($!)

# ---- the offering loop: one file every period, on a fixed schedule
t0=$(date +%s.%N)
i=0
late=0
for f in "$work"/files/*.csv; do
  due=$(awk -v t="$t0" -v i="$i" -v p="$period" 'BEGIN {printf "%.6f", t + i * p}')
  now=$(date +%s.%N)
  wait_s=$(awk -v d="$due" -v n="$now" 'BEGIN {w = d - n; printf "%.6f", (w > 0 ? w : 0)}')
  [ "$wait_s" != 0.000000 ] && sleep "$wait_s" || late=$((late + 1))
  mv "$f" "$work/in/spool/"
  echo "$(date +%s.%N) $(basename "$f")" >>"$work/deliveries"
  i=$((i + 1))
done
offered_s=$(awk -v t="$t0" -v n="$(date +%s.%N)" 'BEGIN {printf "%.2f", n - t}')
# Done when every file is committed and deleted, and no set is open.
for _ in $(seq 3000); do
  [ -z "$(ls "$work/in/spool")" ] && [ ! -e "$work/state/set.tsv" ] && break
  sleep 0.1
done
kill -TERM "$cpid"
wait "$mpid" || { echo "latency.sh: credpipe failed" >&2; tail -n 20 "$work/run.log" >&2; exit 1; }
[ -z "$(ls "$work/in/spool")" ] || { echo "latency.sh: files left unread in the spool" >&2; exit 1; }
sleep 1
kill -TERM "$lpid"
wait "$lpid" || true
cat "$work/latency.out"

"$py" - "$work" "$rate" "$secs" "$period" "$nfiles" "$offered_s" "$late" "$broker_kind" <<'PY'
import json, sys
work, rate, secs, period, nfiles, offered, late, kind = sys.argv[1:]
lat = json.load(open(f"{work}/latency.json"))
if not lat["records"] or lat["unknown_file"]:
    sys.exit(f"latency.sh: {lat['records']} records received, {lat['unknown_file']} of unknown files")
run = json.load(open(f"{work}/run.json"))
mem = [l.split() for l in open(f"{work}/memory.tsv") if len(l.split()) == 3]
t0 = float(mem[0][0]) if mem else 0
rss = [(float(t) - t0, int(r) / 1024, int(s) / 1e6) for t, r, s in mem]
print(f"shape d, broker {kind}: offered {rate} rows/s for {secs} s in {nfiles} files of "
      f"{float(period):g} s ({offered} s to offer, {late} files late)")
print(f"  received {lat['records']} records: latency p50 {lat['p50_s']} s, p90 {lat['p90_s']} s, "
      f"p99 {lat['p99_s']} s, max {lat['max_s']} s")
n = lat["records"]
print(f"  CPU {run['user'] + run['sys']:.1f} s ({(run['user'] + run['sys']) / (n / 1e6) if n else 0:.2f} "
      f"s per M records), peak RSS {run['maxrss_kb'] / 1024:.0f} MB")
if rss:
    q = max(1, len(rss) // 10)
    print("  memory over time (s: RSS MB, snapshot MB, RSS - snapshot MB):")
    print("   " + ", ".join(f"{t:.0f}: {r:.0f}/{s:.0f}/{r - s:.0f}" for t, r, s in rss[::q]))
PY
