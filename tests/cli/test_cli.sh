#!/usr/bin/env bash
# Black-box tests of the credpipe command line: help, exit codes, and
# errors that name the file, line and key.   test_cli.sh CREDPIPE
set -uo pipefail
bin=${1:?usage: test_cli.sh CREDPIPE}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
expect() { # name want_rc want_text cmd...
  local name=$1 want=$2 text=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ] || ! grep -qF -- "$text" <<<"$out"; then
    echo "FAIL $name: exit $rc (want $want), output:"; sed 's/^/  | /' <<<"$out" | head -20
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
}

for c in run id decode broker gen check report; do
  expect "help $c" 0 "usage: credpipe $c" "$bin" "$c" --help
done
expect "no command" 2 "usage: credpipe COMMAND" "$bin"
expect "unknown command" 2 "unknown command" "$bin" frobnicate

"$bin" gen --out "$work/g" --rows 2000 --seed 3 >/dev/null
expect "check ok" 0 "ok, 0 warnings" "$bin" check -c "$work/g/credpipe.yaml"
expect "check counts" 0 "what \`run\` would report" "$bin" check -c "$work/g/credpipe.yaml"

printf 'sources:\n  - id: a\n    role: sectoral\n    categroy: blacklist\n' >"$work/typo.yaml"
expect "check typo" 2 "typo.yaml:4: unknown key 'categroy'" "$bin" check -c "$work/typo.yaml"
expect "run typo" 2 "typo.yaml:4: unknown key 'categroy'" "$bin" run -c "$work/typo.yaml" --once

printf 'sources:\n  - {id: x, role: sectoral, category: blacklist, format: csv, paths: [nothere.csv], columns: {名称: subject_name}}\n' >"$work/missing.yaml"
expect "check missing file" 1 "nothere.csv: No such file" "$bin" check -c "$work/missing.yaml"

# check's exit codes (docs/configuration.md, "Checking a configuration"):
# 0 valid, warnings allowed; 1 inputs have errors; 2 configuration or usage.
expect "check inputs have errors" 1 "inputs have errors, 0 warnings" \
  "$bin" check -c "$work/missing.yaml"
expect "check no -c" 2 "usage: credpipe check" "$bin" check
expect "check bad option" 2 "usage: credpipe check" "$bin" check -c "$work/g/credpipe.yaml" --frob
expect "check extra argument" 2 "usage: credpipe check" "$bin" check -c "$work/g/credpipe.yaml" x
expect "check missing config" 2 "cannot open the configuration" "$bin" check -c "$work/nothere.yaml"
printf 'topics:\n  partitions: zero\n' | cat - "$work/g/credpipe.yaml" >"$work/type.yaml"
expect "check wrong type" 2 \
  "type.yaml:2: 'partitions' must be a whole number from 1 to 10000, not 'zero'" \
  "$bin" check -c "$work/type.yaml"
printf 'report: {interval: 2d}\n' | cat - "$work/g/credpipe.yaml" >"$work/dur.yaml"
expect "check bad duration" 2 "dur.yaml:1: 'report.interval' must be a duration" \
  "$bin" check -c "$work/dur.yaml"
printf 'sources:\n  - {id: x, role: boss}\n' >"$work/enum.yaml"
expect "check bad value" 2 "enum.yaml:2: 'role' must be sectoral, municipal or central, not 'boss'" \
  "$bin" check -c "$work/enum.yaml"
printf 'uscc_categories: nothere.tsv\n' | cat - "$work/g/credpipe.yaml" >"$work/cats.yaml"
expect "check missing named file" 2 "cats.yaml:1: 'uscc_categories': cannot read" \
  "$bin" check -c "$work/cats.yaml"
# An unreachable broker is a warning: it may be up by the time credpipe runs.
expect "check unreachable brokers" 0 "warning: brokers 127.0.0.1:1 did not answer" \
  "$bin" check -c "$work/g/credpipe.yaml" --no-data --brokers 127.0.0.1:1
expect "check warnings counted" 0 "ok, 1 warning" \
  "$bin" check -c "$work/g/credpipe.yaml" --no-data --brokers 127.0.0.1:1

# The tables of keys in docs/configuration.md are generated from the schema.
docs=$(dirname "$0")/../../docs/configuration.md
expect "schema markdown" 0 "<!-- generated: config-keys begin -->" "$bin" check --schema-markdown
expect "schema markdown rows" 0 "| \`sources\` | list | required |" "$bin" check --schema-markdown
sed '/<!-- generated: source-keys begin -->/,/<!-- generated: source-keys end -->/{/^| `id`/d}' \
  "$docs" >"$work/configuration.md"
expect "schema markdown regenerates" 0 "tables of configuration keys regenerated" \
  "$bin" check --schema-markdown "$work/configuration.md"
if cmp -s "$docs" "$work/configuration.md"; then pass=$((pass + 1))
else echo "FAIL schema markdown: the regenerated copy differs from docs/configuration.md"
  diff "$docs" "$work/configuration.md" | head -10; fail=$((fail + 1)); fi
expect "schema markdown up to date" 0 "up to date" \
  "$bin" check --schema-markdown "$work/configuration.md"
# Every worked example with sources in docs/configuration.md is a valid
# configuration (its input files are not there: exit 1 is fine for them).
/usr/bin/python3 - "$docs" "$work/examples" <<'PY'
import os, re, sys
os.makedirs(sys.argv[2], exist_ok=True)
blocks = [b for b in re.findall(r"```yaml\n(.*?)```", open(sys.argv[1]).read(), re.S)
          if "sources:" in b]
for i, b in enumerate(blocks):
    open(os.path.join(sys.argv[2], f"ex{i}.yaml"), "w").write(b)
PY
for ex in "$work"/examples/ex*.yaml; do
  out=$("$bin" check -c "$ex" --no-data 2>&1); rc=$?
  if [ "$rc" -le 1 ] && grep -q ": configuration valid" <<<"$out"; then pass=$((pass + 1))
  else echo "FAIL docs example $(basename "$ex"): exit $rc"; sed 's/^/  | /' <<<"$out" | head -10
    fail=$((fail + 1)); fi
done
[ "$(ls "$work"/examples | wc -l)" -ge 4 ] || { echo "FAIL docs examples: fewer than 4 found"; fail=$((fail + 1)); }
printf '# no markers\n' >"$work/plain.md"
expect "schema markdown without markers" 2 "no \"<!-- generated: config-keys begin -->\"" \
  "$bin" check --schema-markdown "$work/plain.md"

expect "id valid" 0 "valid" "$bin" id 914403001922038216
expect "id invalid" 1 "uscc_check_failed" "$bin" id 91350211M0000XUF46
expect "id json" 0 '"valid":true' "$bin" id --json --type ric 11010519491231002X
expect "run without --once" 2 "--once" "$bin" run -c "$work/g/credpipe.yaml"
# Nothing listens on loopback port 1: the run must fail plainly and soon.
expect "run, no broker" 1 "no broker answered" timeout 60 "$bin" run -c "$work/g/credpipe.yaml" \
  --once --brokers 127.0.0.1:1 --log-level error --no-progress

# One process per state.dir: a second one is refused before it connects
# (and fences nothing); the lock goes with the process that held it.
{ cat "$work/g/credpipe.yaml"; printf 'state: {dir: %s, instance: cli-lock}\n' "$work/state"; } \
  >"$work/g/state.yaml"
mkdir -p "$work/state"
# The holder is one process (sleep, with the locked descriptor): killing
# it lets go of the lock.
( exec 9>"$work/state/lock"; flock 9; exec sleep 30 ) &
holder=$!
for ((t = 0; t < 50; t++)); do
  flock -n "$work/state/lock" true 2>/dev/null || break
  sleep 0.1
done
expect "run, state.dir in use" 1 "is in use by another credpipe" timeout 60 "$bin" run \
  -c "$work/g/state.yaml" --once --brokers 127.0.0.1:1 --log-level error --no-progress
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
# Free again; with state.dir too, no broker is said plainly and soon.
expect "run, state.dir free again" 1 "no broker answered" timeout 60 "$bin" run \
  -c "$work/g/state.yaml" --once --brokers 127.0.0.1:1 --log-level error --no-progress

# Logging (docs/logging.md): bad specs are refused, the command line beats
# the configuration, and every line of a run is one JSON object.
expect "log level typo" 2 "unknown log component 'snk'" "$bin" run -c "$work/g/credpipe.yaml" \
  --once --log-level info,snk=debug
expect "log format typo" 2 "unknown log format 'xml'" "$bin" broker --log-format xml
printf 'log: {lvl: info}\n' | cat - "$work/typo.yaml" >"$work/logtypo.yaml"
expect "config log typo" 2 "logtypo.yaml:1: unknown key 'lvl' in 'log'" "$bin" check -c "$work/logtypo.yaml"
{ printf 'log: {level: "warn,ingest=debug", format: logfmt}\n'; cat "$work/g/credpipe.yaml"; } \
  >"$work/g/logjson.yaml"
if "$bin" run -c "$work/g/logjson.yaml" --once --no-progress --log-format json \
     >/dev/null 2>"$work/log.json" &&
   python3 - "$work/log.json" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
objs = [json.loads(l) for l in lines]
assert objs and all(list(o)[:4] == ["ts", "level", "comp", "event"] for o in objs), lines
assert any(o["event"] == "FILE_DONE" for o in objs), "ingest=debug lets info through"
assert not any(o["comp"] == "run" and o["level"] == "info" for o in objs), "warn for run"
PY
then pass=$((pass + 1)); else echo "FAIL run --log-format json:"; head -5 "$work/log.json"; fail=$((fail + 1)); fi

# metrics and report: bad values are refused before anything starts.
expect "linger typo" 2 "--linger-ms takes" "$bin" run -c "$work/g/credpipe.yaml" --once \
  --linger-ms soon
expect "metrics listen bad" 2 "--metrics-listen 'nowhere' is not HOST:PORT" "$bin" run \
  -c "$work/g/credpipe.yaml" --once --no-progress --metrics-listen nowhere
printf 'metrics: {listen: "127.0.0.1"}\n' | cat - "$work/g/credpipe.yaml" >"$work/metrics.yaml"
expect "config metrics.listen" 2 "metrics.yaml:1: 'metrics.listen' must be HOST:PORT" \
  "$bin" check -c "$work/metrics.yaml"
expect "report where" 2 "say where the report is" "$bin" report
expect "report format" 2 "--format takes table, json or csv" "$bin" report --format xml
expect "report missing file" 1 "nothere.json" "$bin" report --report-json "$work/nothere.json"
expect "report rules" 0 "Publication windows" "$bin" report --rules

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
