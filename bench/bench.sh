#!/usr/bin/env bash
# credpipe benchmark: prints one table row per shape, mode and binary.
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
#      ratios (b and c are compared with e:a). kcat runs once in each
#      round of a's and m's runs, so it sees the same machine they do.
#   d  latency at a constant offered load, in service mode: bench/latency.sh
#
# Modes, BENCH_EO=off|on|both (default both): off is the idempotent
# producer; on is exactly once (docs/exactly-once.md): a fresh state.dir
# per run, a checkpoint every BENCH_CHECKPOINT (default 1s) and Kafka
# transactions.
#
# Binaries: CREDPIPE (default build/cli/credpipe); with BENCH_BASE set to
# another credpipe binary, every measurement runs both, alternating
# (base, new, base, new, ...), and the rows of the new one end with their
# ratio to the base ones: the way to compare builds on a shared machine.
#
# Each figure is the run of median wall time of BENCH_REPEAT rounds
# (default 3; shape c runs once). BENCH_SHAPES (default "a m b c") picks
# shapes; BENCH_THREADS=0 hides the CPU seconds per thread printed under
# each row. At the end, credpipe-stages (bench/stages.c, built next to
# the binary; CREDPIPE_STAGES and BENCH_BASE_STAGES override) prints the
# CPU cost of each stage on a's and m's inputs, one thread and no Kafka:
# the stages' own costs, free of the two cores' contention (BENCH_STAGES=0
# skips it).
#
# The broker is `credpipe broker` (librdkafka's mock cluster) in its own
# process, as in the issue's reference measurements; it accepts
# transactions (it shows no transaction visibility, which a benchmark does
# not need). BENCH_BROKER=real runs a single-node Apache Kafka from
# tests/kafka/kafka.sh instead (fetched once from Maven Central), on
# loopback, with its data in the work folder. Figures are wall time of the whole command, CPU = user + sys,
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
labels=(new)
declare -A binof=([new]=$bin)
if [ -n "${BENCH_BASE:-}" ]; then
  labels=(base new)
  binof[base]=$(realpath "$BENCH_BASE")
fi
mkdir -p "$work"
has() { [[ "$shapes" == *" $1 "* ]]; }

broker=
cleanup() {
  if [ -n "$broker" ]; then kill -TERM "$broker" 2>/dev/null; wait "$broker" 2>/dev/null || true; fi
  [ "${BENCH_BROKER:-mock}" != real ] || tests/kafka/kafka.sh stop "$work/kafka" >/dev/null 2>&1 || true
  [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
case ${BENCH_BROKER:-mock} in
  mock)
    rm -f "$work/bootstrap"
    "$bin" broker --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
    broker=$!
    for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
    bs=$(cat "$work/bootstrap") ;;
  real)
    bs=$(tests/kafka/kafka.sh start "$work/kafka" | tail -n1) ;;
  *) echo "bench.sh: BENCH_BROKER is mock or real" >&2; exit 2 ;;
esac

printf '%-5s %-4s %-4s %-28s %9s %9s %7s %9s %10s %7s %5s %7s %7s\n' shape eo bin what records rec/s MB/s \
  CPUs/Mrec peakRSS_MB wire_MB ratio vs_kcat vs_base
# One row from $work/best.<label>.json/.out and the shape's figures.
row() { # shape mode label what input_bytes kcat_rate
  local b=$work/best.$3
  local records raw wire vsb=-
  records=$(awk '/records in/ {print $1}' "$b.out")
  raw=$(awk '/MB protobuf/ {for (i=1;i<=NF;i++) if ($i=="protobuf") print $(i-2)*1e6}' "$b.out")
  wire=$(awk '/MB zstd/ {for (i=1;i<=NF;i++) if ($i=="zstd;"||$i=="zstd") print $(i-2)*1e6}' "$b.out")
  if [ "$3" = new ] && [ -s "$work/best.base.json" ]; then
    vsb=$(/usr/bin/python3 -c "import json,sys;a,b=(json.load(open(p))['wall'] for p in sys.argv[1:3])
print(f'{a / b:.2f}')" "$work/best.base.json" "$work/best.new.json")
  fi
  /usr/bin/python3 - "$b.json" "$1" "$2" "$3" "$4" "$records" "$5" "$wire" "$raw" "${6:-0}" "$vsb" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s, mode, label, what = sys.argv[2:6]
n, ib, wb, rb, k = int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9]), float(sys.argv[10])
vsb = sys.argv[11]
t, c = m['wall'], m['user'] + m['sys']
rate = n / t
print(f"{s:<5} {mode:<4} {label:<4} {what:<28} {n:9d} {rate:9.0f} {ib / t / 1e6:7.1f} {c / (n / 1e6):9.2f} "
      f"{m['maxrss_kb'] / 1024:10.1f} {wb / 1e6:7.1f} {rb / wb if wb else 0:5.2f} "
      f"{rate / k if k else 0:7.2f} {vsb:>7}")
PY
  if [ "${BENCH_THREADS:-1}" = 1 ]; then
    /usr/bin/python3 -c "import json,sys;t=json.load(open(sys.argv[1]))['threads']
print('      threads (CPU s): ' + ', '.join(f'{k} {v:.2f}' for k, v in t.items() if v >= 0.05))" "$b.json"
  fi
}

# Keeps, for each tag, the run of median wall time of runs $work/r.<tag>.<i>.json
# (with its output .out) as $work/best.<tag>.json and .out.
pick_median() { # tag n
  local i
  i=$(/usr/bin/python3 -c "import json,sys
w=sorted((json.load(open(f'{sys.argv[1]}/r.{sys.argv[2]}.{i}.json'))['wall'], i) for i in range(1, int(sys.argv[3]) + 1))
print(w[(len(w) - 1) // 2][1])" "$work" "$1" "$2")
  cp "$work/r.$1.$i.json" "$work/best.$1.json"; cp "$work/r.$1.$i.out" "$work/best.$1.out"
}

# One credpipe run: label config prefix mode json out. With mode on, a
# fresh state.dir (so a fresh instance and transactional id: nothing to
# resume).
nstate=0
run_once() {
  local conf=$2
  if [ "$4" = on ]; then
    nstate=$((nstate + 1))
    conf="$(dirname "$2")/eo.$nstate.yaml"  # paths are relative to it
    { cat "$2"; printf 'state:\n  dir: %s\n  checkpoint_interval: %s\n' "$work/state.$nstate" "$ckpt"; } >"$conf"
  fi
  /usr/bin/python3 bench/measure.py "$5" "${binof[$1]}" run -c "$conf" --once --brokers "$bs" \
    --topic-prefix "$3" --log-level warn >"$6" 2>"$work/run.err" || { cat "$work/run.err" >&2; return 1; }
  rm -rf "$work/state.$nstate"
}
kcat_once() { # input-glob (the work directory has no spaces) json out
  /usr/bin/python3 bench/measure.py "$2" sh -c "cat $1 | kcat -P -b '$bs' -t kcat.ref -z zstd \
    -X enable.idempotence=true -X acks=all -X linger.ms=5 -X queue.buffering.max.messages=1000000" >"$3"
}
# Rounds of runs: kcat over KCAT_INPUT first when given, then each binary.
# Leaves best.<label>.* per binary, best.kcat.* for kcat.
measure() { # config prefix mode rounds [kcat-input]
  local i l
  for i in $(seq "$4"); do
    [ -z "${5:-}" ] || kcat_once "$5" "$work/r.kcat.$i.json" "$work/r.kcat.$i.out"
    for l in "${labels[@]}"; do
      run_once "$l" "$1" "$2" "$3" "$work/r.$l.$i.json" "$work/r.$l.$i.out"
    done
  done
  for l in "${labels[@]}"; do pick_median "$l" "$4"; done
  [ -z "${5:-}" ] || pick_median kcat "$4"
}
# kcat's rate and its table row from best.kcat.json.
kcat_rate() { # input-glob
  /usr/bin/python3 -c "import json,sys;m=json.load(open(sys.argv[1]));print(int(sys.argv[2]) / m['wall'])" \
    "$work/best.kcat.json" "$(cat $1 | wc -l)"
}
kcat_row() { # shape what input-glob
  /usr/bin/python3 -c "import json,sys;m=json.load(open(sys.argv[1]));n=int(sys.argv[2]);b=int(sys.argv[3])
w,c=m['wall'],m['user']+m['sys']
print(f'{sys.argv[4]:<5} {\"-\":<4} {\"-\":<4} {sys.argv[5]:<28} {n:9d} {n / w:9.0f} {b / w / 1e6:7.1f} {c / (n / 1e6):9.2f} '
      f'{m[\"maxrss_kb\"] / 1024:10.1f} {\"-\":>7} {\"-\":>5} {1:7.2f} {\"-\":>7}')" \
    "$work/best.kcat.json" "$(cat $3 | wc -l)" "$(cat $3 | wc -c)" "$1" "$2"
}
# Topics are created once per prefix by a warm-up run (with the
# checkpoints topic): the mock cluster does not answer CreateTopics, and
# credpipe waits for that answer only when topics are missing.
warm() { # config prefix
  run_once new "$1" "$2" on "$work/warm.json" /dev/null 2>/dev/null || true
}
kcat -P -b "$bs" -t kcat.warm -X enable.idempotence=true </dev/null >/dev/null 2>&1 || true

# ---- inputs: gen feeds (m), and the penalty feed (a) from a gen run big
# enough that its penalty file alone has ROWS rows.
"$bin" gen --out "$work/m" --rows "$rows" --seed 7 >/dev/null
share=$(/usr/bin/python3 -c "import json;t=json.load(open('$work/m/truth.json'));print(next(s['read'] for s in t['sources'] if s['source']=='mem_penalties')/t['totals']['read'])")
if has a || has b || has c; then
  "$bin" gen --out "$work/ga" --rows "$(awk -v r="$rows" -v s="$share" 'BEGIN{printf "%d", r / s * 1.01}')" --seed 11 >/dev/null
  rm -f "$work"/ga/feeds/*.jsonl "$work"/ga/feeds/*.xlsx
  mkdir -p "$work/a"
  /usr/bin/python3 bench/penalty_feed.py "$work/ga" "$work/a" "$rows"
fi
declare -A krate
kcat_lines=""

if has a || has b || has c; then
  ainbytes=$(wc -c <"$work/a/penalties.csv")
  warm "$work/a/credpipe.yaml" a.
  for mode in $modes; do
    measure "$work/a/credpipe.yaml" a. "$mode" "$repeat" "$work/a/penalties.csv"
    krate[a.$mode]=$(kcat_rate "$work/a/penalties.csv")
    kcat_lines+="$(kcat_row e:a "kcat over a's lines ($mode)" "$work/a/penalties.csv")"$'\n'
    if has a; then
      for l in "${labels[@]}"; do
        row a "$mode" "$l" "one penalty CSV, $(awk -v b="$ainbytes" -v n="$rows" 'BEGIN{printf "%d", b / n}') B/row" \
          "$ainbytes" "${krate[a.$mode]}"
        declare "rss_a_${mode}_$l=$(/usr/bin/python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['maxrss_kb'])" "$work/best.$l.json")"
        declare "keys_a_${mode}_$l=$(awk '$1 == "total" {print $5; exit}' "$work/best.$l.out")"
      done
    fi
  done
  has a && awk -v d="$(awk '$1 == "total" {print $4 / $2 * 100}' "$work/best.new.out")" \
    'BEGIN {printf "      duplicates: %.1f %% of the rows read\n", d}'
fi

if has m; then
  inbytes=$(cat "$work"/m/feeds/* | wc -c)
  warm "$work/m/credpipe.yaml" m.
  for mode in $modes; do
    measure "$work/m/credpipe.yaml" m. "$mode" "$repeat" "$work/m/feeds/*"
    krate[m.$mode]=$(kcat_rate "$work/m/feeds/*")
    kcat_lines+="$(kcat_row e:m "kcat over m's lines ($mode)" "$work/m/feeds/*")"$'\n'
    for l in "${labels[@]}"; do
      row m "$mode" "$l" "gen feeds, 8 files" "$inbytes" "${krate[m.$mode]}"
    done
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
    measure "$work/b/credpipe.yaml" b. "$mode" "$repeat"
    for l in "${labels[@]}"; do
      row b "$mode" "$l" "10 CSV sources concurrently" "$binbytes" "${krate[a.$mode]}"
    done
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
    for l in "${labels[@]}"; do
      keys=$(awk '$1 == "total" {print $5; exit}' "$work/best.$l.out")
      row c "$mode" "$l" "10.5x rows ($keys keys)" "$cinbytes" "${krate[a.$mode]}"
      ra=rss_a_${mode}_$l; ka=keys_a_${mode}_$l
      awk -v ra="${!ra}" -v rc="$(/usr/bin/python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['maxrss_kb'])" "$work/best.$l.json")" \
          -v ka="${!ka}" -v kc="$keys" 'BEGIN {
        printf "      state: peak RSS grows %.1f bytes per added key (%d -> %d keys)\n", (rc - ra) * 1024 / (kc - ka), ka, kc }'
    done
  done
fi
printf '%s' "$kcat_lines"
echo "d     latency at a constant offered load: bench/latency.sh"
echo "modes: off = idempotent producer; on = exactly once, checkpoint every $ckpt; median of $repeat rounds (c: one)"
[ -z "${BENCH_BASE:-}" ] || echo "bin: base = $BENCH_BASE, new = $bin; vs_base = base wall / new wall, same rounds"
echo "broker: ${BENCH_BROKER:-mock}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${BENCH_STAGES:-1}" = 1 ]; then
  declare -A stagesof=([new]=${CREDPIPE_STAGES:-$(dirname "$bin")/../bench/credpipe-stages})
  [ -z "${BENCH_BASE:-}" ] || stagesof[base]=${BENCH_BASE_STAGES:-$(dirname "${binof[base]}")/../bench/credpipe-stages}
  for s in a m; do
    has $s || continue
    for l in "${labels[@]}"; do
      [ -x "${stagesof[$l]}" ] || continue
      echo "stages of $s, $l (credpipe-stages, one thread, no Kafka):"
      "${stagesof[$l]}" -c "$work/$s/credpipe.yaml" | sed 's/^/      /'
    done
  done
fi
