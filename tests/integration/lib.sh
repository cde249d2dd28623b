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
