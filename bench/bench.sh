#!/usr/bin/env bash
# credpipe benchmark: prints one table row per shape.
#
#   bench/bench.sh [ROWS]          (default 1000000; BENCH_ROWS also works)
#
# Shapes (issue "Performance"):
#   a  one run over `credpipe gen --rows ROWS` feeds (8 files, CSV + JSONL)
#   b  ten CSV sources of ROWS/10 rows each, read concurrently
#   c  state cost per key: the same pipeline at 10 x ROWS rows (set BENCH_C=0 to skip)
#   e  kcat piping every line of shape a's feeds into the same broker, zstd,
#      one message per line: the reference for the ratios
# (d, latency under constant offered load, needs service mode: not built yet.)
#
# The broker is `credpipe broker` (librdkafka's mock cluster) in its own
# process, as in the issue's reference measurements. Figures are wall time
# of the whole command, CPU = user + sys, peak RSS of credpipe only. Run it
# on a quiet machine and compare ratios within one run, not across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-${BENCH_ROWS:-1000000}}
bin=${CREDPIPE:-build/cli/credpipe}
if [ -n "${BENCH_DIR:-}" ]; then work=$BENCH_DIR; keep=1; else work=$(mktemp -d /tmp/credpipe-bench.XXXXXX); keep=0; fi
[ -x "$bin" ] || scripts/build.sh build >/dev/null
mkdir -p "$work"

"$bin" broker --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
broker=$!
cleanup() {
  kill -TERM "$broker" 2>/dev/null; wait "$broker" 2>/dev/null || true
  [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
bs=$(cat "$work/bootstrap")

printf '%-6s %-34s %10s %10s %9s %9s %10s %9s %9s %7s\n' shape what records rec/s MB/s CPUs/Mrec peakRSS_MB wire_MB ratio vs_kcat
row() { # shape what records wall cpu rss_kb input_bytes wire_bytes raw_bytes
  awk -v s="$1" -v w="$2" -v n="$3" -v t="$4" -v c="$5" -v r="$6" -v ib="$7" -v wb="$8" -v rb="$9" -v k="${10:-0}" 'BEGIN {
    rate = n / t; ratio = (wb > 0) ? rb / wb : 0
    printf "%-6s %-34s %10d %10.0f %9.1f %9.2f %10.1f %9.1f %9.2f %7s\n", s, w, n, rate, ib / t / 1e6,
           c / (n / 1e6), r / 1024, wb / 1e6, ratio, (k > 0) ? sprintf("%.2f", rate / k) : "-" }'
}
# Runs credpipe under /usr/bin/time; sets wall cpu rss records wire raw.
measure() { # config prefix
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
    "$bin" run -c "$1" --once --brokers "$bs" --topic-prefix "$2" --log-level warn >"$work/run.out" 2>"$work/run.err" \
    || { cat "$work/run.err" >&2; exit 1; }
  read -r wall u s rss <"$work/time"
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')
  records=$(awk '/records in/ {print $1}' "$work/run.out")
  raw=$(awk '/MB protobuf/ {for (i=1;i<=NF;i++) if ($i=="protobuf") print $(i-2)*1e6}' "$work/run.out")
  wire=$(awk '/MB zstd/ {for (i=1;i<=NF;i++) if ($i=="zstd;"||$i=="zstd") print $(i-2)*1e6}' "$work/run.out")
}
# Topics are created once by a warm-up run: the mock cluster does not answer
# CreateTopics, and credpipe waits for that answer only when topics are missing.
warm() { # config prefix
  "$bin" run -c "$1" --once --brokers "$bs" --topic-prefix "$2" --log-level error >/dev/null 2>&1 || true
}

# ---- e: kcat reference over shape a's input
"$bin" gen --out "$work/a" --rows "$rows" --seed 7 >/dev/null
inbytes=$(cat "$work/a"/feeds/* | wc -c)
lines=$(cat "$work/a"/feeds/* | wc -l)
kcat -P -b "$bs" -t kcat.warm -X enable.idempotence=true </dev/null >/dev/null 2>&1 || true
/usr/bin/time -f '%e %U %S %M' -o "$work/time" sh -c "cat '$work'/a/feeds/* | kcat -P -b '$bs' -t kcat.ref -z zstd -X enable.idempotence=true -X acks=all -X linger.ms=5 -X queue.buffering.max.messages=1000000"
read -r kwall ku ks krss <"$work/time"
krate=$(awk -v n="$lines" -v t="$kwall" 'BEGIN{print n/t}')

# ---- a
warm "$work/a/credpipe.yaml" a.
measure "$work/a/credpipe.yaml" a.
row a "gen feeds, 8 files" "$records" "$wall" "$cpu" "$rss" "$inbytes" "$wire" "$raw" "$krate"

# ---- b: ten sources of rows/10, concurrently
mkdir -p "$work/b"
# gen spreads rows over 8 feeds; scale so each penalty CSV has ~rows/10 rows.
share=$(/usr/bin/python3 -c "import json;t=json.load(open('$work/a/truth.json'));print(next(s['read'] for s in t['sources'] if s['source']=='mem_penalties')/t['totals']['read'])")
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
measure "$work/b/credpipe.yaml" b.
row b "10 CSV sources concurrently" "$records" "$wall" "$cpu" "$rss" "$binbytes" "$wire" "$raw" "$krate"

# ---- c: 10x rows, distinct keys; state per key from the RSS growth
if [ "${BENCH_C:-1}" = 1 ]; then
  rss_a=$rss
  keys_a=$(/usr/bin/python3 -c "import json;print(json.load(open('$work/a/truth.json'))['totals']['produced'])")
  "$bin" gen --out "$work/c" --rows $((rows * 10)) --seed 8 >/dev/null
  cinbytes=$(cat "$work"/c/feeds/* | wc -c)
  keys_c=$(/usr/bin/python3 -c "import json;print(json.load(open('$work/c/truth.json'))['totals']['produced'])")
  warm "$work/a/credpipe.yaml" c.
  measure "$work/c/credpipe.yaml" c.
  row c "10x rows ($keys_c keys)" "$records" "$wall" "$cpu" "$rss" "$cinbytes" "$wire" "$raw" "$krate"
  awk -v ra="$rss_a" -v rc="$rss" -v ka="$keys_a" -v kc="$keys_c" 'BEGIN {
    printf "state: peak RSS grows %.1f bytes per additional key (%d -> %d keys)\n", (rc - ra) * 1024 / (kc - ka), ka, kc }'
fi
printf '%-6s %-34s %10d %10.0f %9.1f %9.2f %10.1f %9s %9s %7s\n' e "kcat, one message per line, zstd" "$lines" "$krate" \
  "$(awk -v b="$inbytes" -v t="$kwall" 'BEGIN{print b/t/1e6}')" \
  "$(awk -v u="$ku" -v s="$ks" -v n="$lines" 'BEGIN{print (u+s)/(n/1e6)}')" "$(awk -v r="$krss" 'BEGIN{print r/1024}')" - - 1.00
echo "d      latency at constant offered load: needs service mode (not built yet)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
