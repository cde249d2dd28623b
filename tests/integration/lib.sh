# Shell pieces every integration test script shares; sourced, not run:
#   . "$(dirname "$0")/lib.sh"
#   it_name run_something_test
#
# Conventions: say/fail print under the script's name; fail also shows
# the tail of "$log" when the script has set it to its current log; a
# credpipe started in the background keeps its pid in $pid, killed when
# the script ends (it_kill_pid_on_exit).

# The name say and fail print under.
it_name() { IT_NAME=$1; }

say() { echo "${IT_NAME:-test}: $*"; }

# show FILE [LINES]: the tail of a log, on stderr.
show() { echo "---- $1 (last ${2:-30} lines) ----" >&2; tail -n "${2:-30}" "$1" >&2 || true; }

fail() {
  echo "${IT_NAME:-test}: FAIL: $*" >&2
  if [[ -n ${log:-} && -f ${log:-} ]]; then show "$log"; fi
  exit 1
}

# it_workdir DIR: a fresh, empty work folder (never / or "").
it_workdir() {
  case $1 in /|"") fail "refusing work dir '$1'" ;; esac
  rm -rf "$1"
  mkdir -p "$1"
}

# it_bootstrap FILE: sets bs to the broker address in FILE, which must be
# on loopback (tests talk to nothing else).
it_bootstrap() {
  [[ -s $1 ]] || fail "no bootstrap address in $1 (is the broker up?)"
  bs=$(head -n1 "$1")
  [[ $bs == 127.0.0.1:* || $bs == localhost:* ]] || fail "bootstrap $bs is not on loopback"
}

# it_credpipe BIN: fails unless BIN is executable.
it_credpipe() { [[ -x $1 ]] || fail "credpipe binary $1 is not executable"; }

# it_prefix LETTER: sets prefix, topic names of this run only.
it_prefix() { prefix=$1$(date +%s%N | cut -c1-13)$$.; }

# Kills the credpipe whose pid is in $pid when the script ends.
it_kill_pid_on_exit() {
  pid=
  trap '[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; true' EXIT
}

# ---- service mode (credpipe run without --once) over spool folders ----
# These use $credpipe, $bs and $prefix as set above, the log in $log
# and the pid in $pid.

# it_count PATTERN: how many lines of $log match PATTERN (0 while there
# is no $log yet: a process started in the background creates it).
it_count() { local n; n=$(grep -c -- "$1" "$log" 2>/dev/null) || true; echo "${n:-0}"; }

# it_wait_for PATTERN N: until $log has N lines matching PATTERN (60 s);
# fails if credpipe exits meanwhile.
it_wait_for() {
  local t
  for ((t = 0; t < 600; t++)); do
    (( $(it_count "$1") >= $2 )) && return 0
    kill -0 "$pid" 2>/dev/null || fail "credpipe exited while waiting for $1"
    sleep 0.1
  done
  fail "no $1 (#$2) within 60 s"
}

# it_wait_until DESCRIPTION TEST...: until the command TEST... succeeds
# (60 s); fails if credpipe exits meanwhile.
it_wait_until() {
  local what=$1 t; shift
  for ((t = 0; t < 600; t++)); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || fail "credpipe exited while waiting until $what"
    sleep 0.1
  done
  fail "not $what within 60 s"
}

# it_start_service CONFIG N [ARGS...]: starts the service on CONFIG in the
# background (stderr appended to $log, stdout to ${log%.log}.out), sets
# pid, and waits for the Nth SERVICE_READY of $log.
it_start_service() {
  local conf=$1 n=$2; shift 2
  "$credpipe" run -c "$conf" --brokers "$bs" --topic-prefix "$prefix" --no-progress "$@" \
    >>"${log%.log}.out" 2>>"$log" &
  pid=$!
  it_wait_for "event=SERVICE_READY" "$n"
}

# it_stop_service: SIGTERM to $pid, which must exit 0 within 30 s.
it_stop_service() {
  local t
  kill -TERM "$pid"
  for ((t = 0; t < 300; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "credpipe did not stop within 30 s of SIGTERM"
  wait "$pid" || fail "credpipe exited $? after SIGTERM"
  pid=
}

# it_spool_conf GEN: points the configuration `credpipe gen` wrote in GEN
# at spool folders, GEN/spool/SOURCE/*.EXT, created empty. Files of
# mem_penalties are moved to GEN/done/mem_penalties once committed, those
# of sh_penalties deleted, the others kept.
it_spool_conf() {
  local f b
  sed -i -E 's#paths: \[feeds/([a-z_]+)\.([a-z]+)\]#paths: [spool/\1/*.\2]#' "$1/credpipe.yaml"
  grep -q 'paths: \[spool/mem_penalties/\*.csv\]' "$1/credpipe.yaml" \
    || fail "cannot point the generated configuration at spool folders"
  sed -i -E '/id: mem_penalties/a\    done: move\n    done_dir: done/mem_penalties' \
    "$1/credpipe.yaml"
  sed -i -E '/id: sh_penalties/a\    done: delete' "$1/credpipe.yaml"
  for f in "$1"/feeds/*; do
    b=$(basename "$f")
    mkdir -p "$1/spool/${b%.*}"
  done
}

# it_deliver GEN SOURCE [NAME]: the generated file of SOURCE into its
# spool folder (it_spool_conf), as NAME (default: its own name): written
# under a hidden name, then renamed, as a writer should.
it_deliver() {
  local f=("$1"/feeds/"$2".*)
  local name=${3:-$(basename "${f[0]}")}
  [[ -f ${f[0]} ]] || fail "no generated file for $2"
  cp "${f[0]}" "$1/spool/$2/.$name.part"
  mv "$1/spool/$2/.$name.part" "$1/spool/$2/$name"
}
