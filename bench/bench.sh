#!/usr/bin/env bash
# credpipe benchmark: prints one table row per shape and mode.
#
#   bench/bench.sh [ROWS]          (default 1000000; BENCH_ROWS also works)
#
# Shapes (issue "Performance"):
#   a  one penalty CSV of ROWS rows, ~290 bytes a row, 5 % duplicates
#      (bench/penalty_feed.py over a `credpipe gen` penalty feed): the
#      shape of the issue's targets
#   m  one run over `credpipe gen --rows ROWS` feeds (8 files: CSV, JSON
#      Lines, XLSX; central sources first)
#   b  ten penalty CSVs of ROWS/10 rows each, read concurrently
#   c  state per key: shape a at 10.5 x ROWS rows (10 M keys at the
#      default), and the growth of peak RSS from a to c per added key
#      (set BENCH_C=0 to skip)
#   e  kcat piping every line of a's input (e:a) and m's (e:m) into the
#      same broker, zstd, one message per line: the reference for the
#      ratios (b and c are compared with e:a)
# (d, latency under constant offered load, needs service mode: not built yet.)
#
# Modes, BENCH_EO=off|on|both (default both): off is the idempotent
# producer; on is exactly once (docs/exactly-once.md): a fresh state.dir
# per run, a checkpoint every BENCH_CHECKPOINT (default 1s) and Kafka
# transactions.
#
# Each figure is the run of median wall time of BENCH_REPEAT runs (default
# 3; shape c runs once). BENCH_SHAPES (default "a m b c") picks shapes;
# BENCH_THREADS=0 hides the CPU seconds per thread printed under each row.
# At the end, credpipe-stages (bench/stages.c, built next to the binary)
# prints the CPU cost of each stage on a's and m's inputs, one thread and
# no Kafka: the stages' own costs, free of the two cores' contention
# (BENCH_STAGES=0 skips it).
#
# The broker is `credpipe broker` (librdkafka's mock cluster) in its own
# process, as in the issue's reference measurements; it accepts
# transactions (it shows no transaction visibility, which a benchmark does
# not need). Figures are wall time of the whole command, CPU = user + sys,
# peak RSS of credpipe only. Run it on a quiet machine and compare ratios
# within one run, not across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-${BENCH_ROWS:-1000000}}
bin=${CREDPIPE:-build/cli/credpipe}
modes=${BENCH_EO:-both}
[ "$modes" = both ] && modes="off on"
ckpt=${BENCH_CHECKPOINT:-1s}
repeat=${BENCH_REPEAT:-3}
shapes=" ${BENCH_SHAPES:-a m b c} "
[ "${BENCH_C:-1}" = 1 ] || shapes=${shapes/ c / }
if [ -n "${BENCH_DIR:-}" ]; then work=$BENCH_DIR; keep=1; else work=$(mktemp -d /tmp/credpipe-bench.XXXXXX); keep=0; fi
[ -x "$bin" ] || scripts/build.sh build >/dev/null
bin=$(realpath "$bin")
mkdir -p "$work"
has() { [[ "$shapes" == *" $1 "* ]]; }

rm -f "$work/bootstrap"
"$bin" broker --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
broker=$!
cleanup() {
  kill -TERM "$broker" 2>/dev/null; wait "$broker" 2>/dev/null || true
  [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
bs=$(cat "$work/bootstrap")

printf '%-5s %-4s %-30s %10s %10s %8s %9s %10s %8s %6s %7s\n' shape eo what records rec/s MB/s CPUs/Mrec peakRSS_MB wire_MB ratio vs_kcat
row() { # shape mode what records wall cpu rss_kb input_bytes wire_bytes raw_bytes kcat_rate
  awk -v s="$1" -v m="$2" -v w="$3" -v n="$4" -v t="$5" -v c="$6" -v r="$7" -v ib="$8" -v wb="$9" -v rb="${10}" -v k="${11:-0}" 'BEGIN {
    rate = n / t; ratio = (wb > 0) ? rb / wb : 0
    printf "%-5s %-4s %-30s %10d %10.0f %8.1f %9.2f %10.1f %8.1f %6.2f %7s\n", s, m, w, n, rate, ib / t / 1e6,
           c / (n / 1e6), r / 1024, wb / 1e6, ratio, (k > 0) ? sprintf("%.2f", rate / k) : "-" }'
  if [ "${BENCH_THREADS:-1}" = 1 ] && [ -s "$work/best.json" ]; then
    /usr/bin/python3 -c "import json,sys;t=json.load(open(sys.argv[1]))['threads']
print('      threads (CPU s): ' + ', '.join(f'{k} {v:.2f}' for k, v in t.items() if v >= 0.05))" "$work/best.json"
  fi
}

# Runs a command BENCH_REPEAT times (once with REPEAT=1) under
# bench/measure.py; keeps the run of median wall time as $work/best.json
# and its output as $work/best.out; sets wall cpu rss from it.
median_of() { # n cmd...
  local n=$1 i; shift
  for i in $(seq "$n"); do
    "$@" "$work/m$i.json" "$work/m$i.out"
  done
  i=$(/usr/bin/python3 -c "import json,sys
w=sorted((json.load(open(f'{sys.argv[1]}/m{i}.json'))['wall'], i) for i in range(1, int(sys.argv[2]) + 1))
print(w[(len(w) - 1) // 2][1])" "$work" "$n")
  cp "$work/m$i.json" "$work/best.json"; cp "$work/m$i.out" "$work/best.out"
  read -r wall cpu rss < <(/usr/bin/python3 -c "import json,sys;m=json.load(open(sys.argv[1]))
print(m['wall'], m['user'] + m['sys'], m['maxrss_kb'])" "$work/best.json")
}

# One credpipe run: config prefix mode json out. With mode on, a fresh
# state.dir (so a fresh instance and transactional id: nothing to resume).
nstate=0
run_once() {
  local conf=$1
  if [ "$3" = on ]; then
    nstate=$((nstate + 1))
    conf="$(dirname "$1")/eo.$nstate.yaml"  # paths are relative to it
    { cat "$1"; printf 'state:\n  dir: %s\n  checkpoint_interval: %s\n' "$work/state.$nstate" "$ckpt"; } >"$conf"
  fi
  /usr/bin/python3 bench/measure.py "$4" "$bin" run -c "$conf" --once --brokers "$bs" --topic-prefix "$2" \
    --log-level warn >"$5" 2>"$work/run.err" || { cat "$work/run.err" >&2; return 1; }
}
# Sets wall cpu rss records wire raw keys: the median of REPEAT runs.
measure() { # config prefix mode [repeat]
  median_of "${4:-$repeat}" run_once "$1" "$2" "$3"
  records=$(awk '/records in/ {print $1}' "$work/best.out")
  keys=$(awk '$1 == "total" {print $5; exit}' "$work/best.out")
  raw=$(awk '/MB protobuf/ {for (i=1;i<=NF;i++) if ($i=="protobuf") print $(i-2)*1e6}' "$work/best.out")
  wire=$(awk '/MB zstd/ {for (i=1;i<=NF;i++) if ($i=="zstd;"||$i=="zstd") print $(i-2)*1e6}' "$work/best.out")
}
# Topics are created once per prefix by a warm-up run (with the
# checkpoints topic): the mock cluster does not answer CreateTopics, and
# credpipe waits for that answer only when topics are missing.
warm() { # config prefix
  run_once "$1" "$2" on "$work/warm.json" /dev/null 2>/dev/null || true
}
kcat_once() { # input-glob json out
  /usr/bin/python3 bench/measure.py "$2" sh -c "cat $1 | kcat -P -b '$bs' -t kcat.ref -z zstd \
    -X enable.idempotence=true -X acks=all -X linger.ms=5 -X queue.buffering.max.messages=1000000" >"$3"
}
kcat_ref() { # input-glob (the work directory has no spaces): sets krate kline
  median_of "$repeat" kcat_once "$1"
  kline=$(/usr/bin/python3 -c "import sys;n=int(sys.argv[1]);w,c,r=map(float,sys.argv[2:5]);b=int(sys.argv[5])
print(f'{n} {n / w:.0f} {b / w / 1e6:.1f} {c / (n / 1e6):.2f} {r / 1024:.1f}')" \
    "$(cat $1 | wc -l)" "$wall" "$cpu" "$rss" "$(cat $1 | wc -c)")
  krate=$(echo "$kline" | awk '{print $2}')
}
kcat -P -b "$bs" -t kcat.warm -X enable.idempotence=true </dev/null >/dev/null 2>&1 || true

# ---- inputs: gen feeds (m), and the penalty feed (a) from a gen run big
# enough that its penalty file alone has ROWS rows.
"$bin" gen --out "$work/m" --rows "$rows" --seed 7 >/dev/null
share=$(/usr/bin/python3 -c "import json;t=json.load(open('$work/m/truth.json'));print(next(s['read'] for s in t['sources'] if s['source']=='mem_penalties')/t['totals']['read'])")
if has a || has c; then
  "$bin" gen --out "$work/ga" --rows "$(awk -v r="$rows" -v s="$share" 'BEGIN{printf "%d", r / s * 1.01}')" --seed 11 >/dev/null
  rm -f "$work"/ga/feeds/*.jsonl "$work"/ga/feeds/*.xlsx
  mkdir -p "$work/a"
  /usr/bin/python3 bench/penalty_feed.py "$work/ga" "$work/a" "$rows"
fi
declare -A kref
if has a || has b || has c; then
  kcat_ref "$work/a/penalties.csv"; kref[a]=$krate; kline_a=$kline
fi
if has m; then
  kcat_ref "$work/m/feeds/*"; kref[m]=$krate; kline_m=$kline
fi

if has a; then
  ainbytes=$(wc -c <"$work/a/penalties.csv")
  warm "$work/a/credpipe.yaml" a.
  for mode in $modes; do
    measure "$work/a/credpipe.yaml" a. "$mode"
    row a "$mode" "one penalty CSV, $(awk -v b="$ainbytes" -v n="$rows" 'BEGIN{printf "%d", b / n}') B/row" \
      "$records" "$wall" "$cpu" "$rss" "$ainbytes" "$wire" "$raw" "${kref[a]}"
    declare "rss_a_$mode=$rss" "keys_a_$mode=$keys"
  done
  awk -v d="$(awk '$1 == "total" {print $4 / $2 * 100}' "$work/best.out")" 'BEGIN {printf "      duplicates: %.1f %% of the rows read\n", d}'
fi

if has m; then
  inbytes=$(cat "$work"/m/feeds/* | wc -c)
  warm "$work/m/credpipe.yaml" m.
  for mode in $modes; do
    measure "$work/m/credpipe.yaml" m. "$mode"
    row m "$mode" "gen feeds, 8 files" "$records" "$wall" "$cpu" "$rss" "$inbytes" "$wire" "$raw" "${kref[m]}"
  done
fi

# ---- b: ten sources of rows/10, concurrently
if has b; then
  mkdir -p "$work/b"
  # gen spreads rows over 8 feeds; scale so each penalty CSV has ~rows/10 rows.
  brows=$(awk -v r="$rows" -v s="$share" 'BEGIN{printf "%d", r / 10 / s}')
  for i in 0 1 2 3 4 5 6 7 8 9; do
    "$bin" gen --out "$work/b/g$i" --rows "$brows" --seed $((100 + i)) >/dev/null
  done
  /usr/bin/python3 - "$work/b" <<'PY'
import sys, yaml
d = sys.argv[1]
conf = yaml.safe_load(open(f"{d}/g0/credpipe.yaml"))
tmpl = next(s for s in conf["sources"] if s["id"] == "mem_penalties")
srcs = []
for i in range(10):
    s = dict(tmpl); s["id"] = f"penalties{i}"; s["paths"] = [f"g{i}/feeds/mem_penalties.csv"]
    srcs.append(s)
conf["sources"] = srcs
yaml.safe_dump(conf, open(f"{d}/credpipe.yaml", "w"), allow_unicode=True)
PY
  binbytes=$(cat "$work"/b/g*/feeds/mem_penalties.csv | wc -c)
  warm "$work/b/credpipe.yaml" b.
  for mode in $modes; do
    measure "$work/b/credpipe.yaml" b. "$mode"
    row b "$mode" "10 CSV sources concurrently" "$records" "$wall" "$cpu" "$rss" "$binbytes" "$wire" "$raw" "${kref[a]}"
  done
fi

# ---- c: shape a at 10.5 x rows; state per key from the RSS growth
if has c && has a; then
  mkdir -p "$work/c"
  /usr/bin/python3 bench/penalty_feed.py "$work/ga" "$work/c" $((rows * 21 / 2))
  cinbytes=$(wc -c <"$work/c/penalties.csv")
  warm "$work/a/credpipe.yaml" c.
  for mode in $modes; do
    measure "$work/c/credpipe.yaml" c. "$mode" 1
    row c "$mode" "10.5x rows ($keys keys)" "$records" "$wall" "$cpu" "$rss" "$cinbytes" "$wire" "$raw" "${kref[a]}"
    ra=rss_a_$mode; ka=keys_a_$mode
    awk -v ra="${!ra}" -v rc="$rss" -v ka="${!ka}" -v kc="$keys" 'BEGIN {
      printf "      state: peak RSS grows %.1f bytes per added key (%d -> %d keys)\n", (rc - ra) * 1024 / (kc - ka), ka, kc }'
  done
fi
if [ "${BENCH_STAGES:-1}" = 1 ]; then
  stages=${CREDPIPE_STAGES:-$(dirname "$bin")/../bench/credpipe-stages}
  if [ -x "$stages" ]; then
    for s in a m; do
      has $s || continue
      conf=$work/$s/credpipe.yaml
      echo "stages of $s (credpipe-stages, one thread, no Kafka):"
      "$stages" -c "$conf" | sed 's/^/      /'
    done
  fi
fi
fmt_k() { echo "$2" | awk -v s="$1" -v w="$3" '{printf "%-5s %-4s %-30s %10d %10.0f %8.1f %9.2f %10.1f %8s %6s %7s\n", s, "-", w, $1, $2, $3, $4, $5, "-", "-", "1.00"}'; }
[ -n "${kline_a:-}" ] && fmt_k e:a "$kline_a" "kcat over a's lines, zstd"
[ -n "${kline_m:-}" ] && fmt_k e:m "$kline_m" "kcat over m's lines, zstd"
echo "d     latency at constant offered load: needs service mode (not built yet)"
echo "modes: off = idempotent producer; on = exactly once, checkpoint every $ckpt; median of $repeat runs (c: one)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
