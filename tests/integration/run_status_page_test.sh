#!/usr/bin/env bash
# The status page (GET /) end to end, in headless Chromium:
#
#   run_status_page_test.sh CREDPIPE WORK_DIR ROWS
#
# 1. `credpipe gen`, then `credpipe run --once --metrics-listen 127.0.0.1:0
#    --metrics-port-file F --linger-ms N` in the background, on the
#    embedded broker: the server stays up after the run until SIGTERM;
# 2. status_page_check.py waits until /metrics says the run is finished,
#    loads http://127.0.0.1:PORT/ in Debian's chromium (driven through
#    chromium-driver by python3-selenium), checks what is drawn against
#    /metrics, the figures revised after a key's first view against the
#    run's --report-json (a --once run: all at delay 0, nothing left later;
#    run_late_sweep_test.sh checks them where they are not 0) and saves
#    screenshots in WORK_DIR (their paths are printed);
# 3. SIGTERM ends the run, which must exit 0.
#
# Needs the Debian packages chromium, chromium-driver and python3-selenium
# (scripts/setup.sh installs them): without them the test fails, it does
# not skip. Selenium rather than `chromium --dump-dom`: the page has no
# script, so a dumped DOM is only the HTML as served, whereas a driver
# can ask the browser where things were drawn (bar lengths in pixels, text
# cut off at the edge) and which requests it made. Everything listens on and connects to 127.0.0.1 only; every
# wait has a deadline, and a trap stops what was started.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE WORK_DIR ROWS"
credpipe=${1:?$usage}
work=${2:?$usage}
rows=${3:?$usage}

. "$(dirname "$0")/lib.sh"
it_name run_status_page_test

it_credpipe "$credpipe"
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
"$PY" -c 'import selenium' 2>/dev/null || missing+=(python3-selenium)
"$PY" -c 'import prometheus_client' 2>/dev/null || missing+=(python3-prometheus-client)
((${#missing[@]} == 0)) ||
  fail "missing Debian package(s): ${missing[*]}; scripts/setup.sh installs them (as root)"
it_workdir "$work"

rpid=
stop() {
  local rc=$?
  if [[ -n $rpid ]] && kill -0 "$rpid" 2>/dev/null; then
    kill -TERM "$rpid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$rpid" 2>/dev/null || true
  fi
  [[ -z $rpid ]] || wait "$rpid" 2>/dev/null || true
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the run, serving / and /metrics until told to stop
timeout 600 "$credpipe" gen --out "$work/gen" --rows "$rows" --seed 1 >"$work/gen.log" 2>&1 \
  || { show "$work/gen.log"; fail "credpipe gen failed"; }
# $rpid is timeout(1)'s: the SIGTERM below reaches credpipe through it, and
# --kill-after then gives it 30 s to exit before a SIGKILL (once, under
# ASan at -j3, 10 s were not enough: exit 137).
timeout --kill-after=30 600 "$credpipe" run -c "$work/gen/credpipe.yaml" --once --no-progress \
    --report-json "$work/report.json" --metrics-listen 127.0.0.1:0 --metrics-port-file "$work/port" --linger-ms 60000 \
    </dev/null >"$work/run.out" 2>"$work/run.log" &
rpid=$!
deadline=$((SECONDS + 60))
until [[ -s $work/port ]]; do
  kill -0 "$rpid" 2>/dev/null || { show "$work/run.log"; fail "credpipe run exited early"; }
  (( SECONDS < deadline )) || fail "no metrics port after 60 s"
  sleep 0.1
done
port=$(cat "$work/port")
say "status page on http://127.0.0.1:$port/"

# timeout(1) signals the checker's whole process group on expiry:
# chromedriver and chromium go with it.
timeout --kill-after=10 180 "$PY" "$HERE/status_page_check.py" --port "$port" --out "$work" \
    --timeout 120 --report "$work/report.json" \
  || { show "$work/run.log"; show "$work/chromedriver.log"; fail "status_page_check.py"; }

t0=$(date +%s%N)
kill -TERM "$rpid"
set +e
wait "$rpid"
rc=$?
set -e
rpid=
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[[ $rc == 0 ]] || { show "$work/run.log"; fail "credpipe run exited $rc ${ms} ms after SIGTERM"; }
say "credpipe exited ${ms} ms after SIGTERM"
say "OK"
