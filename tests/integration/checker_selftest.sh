#!/usr/bin/env bash
# Shows that check_output.py passes on consistent output and fails on each
# kind of fault fake_output.py can inject.
#   checker_selftest.sh BOOTSTRAP_FILE WORK_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
bsfile=${1:?usage: $0 BOOTSTRAP_FILE WORK_DIR}
work=${2:?usage: $0 BOOTSTRAP_FILE WORK_DIR}
[[ -s $bsfile ]] || { echo "checker_selftest: no bootstrap in $bsfile" >&2; exit 1; }
bs=$(cat "$bsfile")
run_id="st$$x$(date +%s%N | tail -c 7)"
rm -rf "$work"; mkdir -p "$work"
bad=0
for fault in none dup-key split-subject bad-header bad-count two-frames \
             missing-reject wrong-rate report-differs unknown-source figure-differs \
             later-missing later-twice; do
  prefix="$run_id.$fault."
  d=$work/$fault
  timeout 120 "$PY" "$HERE/fake_output.py" --bootstrap "$bs" --prefix "$prefix" \
      --out "$d" --fault "$fault" >"$d.produce.log" 2>&1 \
    || { echo "FAIL $fault: fake_output failed"; cat "$d.produce.log"; bad=1; continue; }
  set +e
  timeout 180 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$d/truth.json" \
      --report "$d/report.json" --records-topic "${prefix}credpipe.records" \
      --rejects-topic "${prefix}credpipe.rejects" --sharing-topic "${prefix}credpipe.sharing" \
      --timeout 60 >"$d.check.log" 2>&1
  rc=$?
  set -e
  want=1; [[ $fault == none ]] && want=0
  if [[ $rc == "$want" ]]; then
    echo "ok   $fault: checker exit $rc ($(grep -m1 '^FAIL' "$d.check.log" || tail -n1 "$d.check.log"))"
  else
    echo "FAIL $fault: checker exit $rc, want $want"; cat "$d.check.log"; bad=1
  fi
done
exit $bad
