#!/usr/bin/env bash
# Leader changes during a transactional run, against a real three-node
# Kafka cluster (kafka.sh start-cluster: replication 3, min ISR 2, the
# transaction log too). While credpipe runs with state.dir, the node that
# leads partition 0 of the records topic is taken away, in turn with
# SIGTERM (a controlled shutdown: leaders move at once) and SIGKILL (a
# crash: leaders move when the controller fences the node), brought back
# on its data, and made leader again by a preferred-leader election. Every
# third and fourth round takes the node that is credpipe's transaction
# coordinator instead (the leader of its __transaction_state partition),
# so commits meet a coordinator change too. Each leadership move of the
# records topic and of the coordinator is counted from the cluster's
# metadata.
#
# credpipe itself is disturbed twice, just after the node is taken:
#  - round 2: a second instance with the same state.instance (and a state
#    dir of its own) starts while the first still runs. It fences the
#    first, a zombie, which must exit non-zero within CP_LC_ZOMBIE_S
#    seconds (it waited over 5 minutes for messages librdkafka never
#    reported: docs/decisions.md), and rebuilds its state by replaying
#    the inputs up to the last committed checkpoint;
#  - round 4: credpipe is killed (SIGKILL) and started again at once.
# Either way a new transactional producer (a new epoch, sequences from 0)
# meets the leader change and the preferred-leader election that follows,
# the case where older librdkafka releases were reported to lose messages
# (confluent-kafka-go#921).
#
# credpipe may ride the changes out, resume by itself from its checkpoint
# (RESTART_FROM_CHECKPOINT), or stop saying why and be run again, which
# resumes; what is checked is the end: check_output.py reads every topic
# back read_committed and compares with the truth: no record key lost,
# none twice, the report equal to the truth.
#
# The run must last long enough to be disturbed several times: a produce
# quota on credpipe's client id (kafka.sh throttle) holds it to about
# CP_LC_RATE bytes per second and broker.
#
#   run_leader_change_test.sh CREDPIPE CLUSTER_DIR WORK_DIR ROWS
#
# Environment (optional):
#   CP_LC_ROUNDS   node-taking rounds at most (default 4; at least 2, one
#                  SIGTERM and one SIGKILL, must fall within the run)
#   CP_LC_RATE     produce quota, bytes per second and broker (default 100000)
#   CP_LC_DOWN_S   seconds a node stays away (default 2)
#   CP_LC_CRASH    1 (default): a second instance in round 2, SIGKILL and
#                  restart in round 4; 0: neither
#   CP_LC_ZOMBIE_S seconds the fenced instance may take to exit (default 90)
#   CP_SEED        generator seed (default 23)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KAFKA=$HERE/../kafka/kafka.sh
PY=/usr/bin/python3
usage="usage: $0 CREDPIPE CLUSTER_DIR WORK_DIR ROWS"
credpipe=${1:?$usage}
cdir=${2:?$usage}
work=${3:?$usage}
rows=${4:?$usage}
rounds=${CP_LC_ROUNDS:-4}
rate=${CP_LC_RATE:-100000}
down=${CP_LC_DOWN_S:-2}
seed=${CP_SEED:-23}
crash=${CP_LC_CRASH:-1}
zombie_s=${CP_LC_ZOMBIE_S:-90}

. "$(dirname "$0")/lib.sh"
it_name run_leader_change_test

it_credpipe "$credpipe"
[[ -s $cdir/bootstrap && -s $cdir/nodes ]] || fail "no cluster in $cdir (kafka.sh start-cluster)"
bs=$(cat "$cdir/bootstrap")
nodes=$(cat "$cdir/nodes")
(( nodes >= 3 )) || fail "the cluster in $cdir has $nodes nodes; leader changes need 3"
it_workdir "$work"
gen=$work/gen
it_prefix lc
records=${prefix}credpipe.records
client=credpipe-lc-$$
pid=
zpid=
# $pid is /usr/bin/time's; credpipe is its only child. SIGKILL to time
# alone would leave credpipe running.
kill_run() {  # kill_run [PID]: default $pid
  local p=${1:-$pid} child
  child=$(ps -o pid= --ppid "$p" 2>/dev/null | tr -d ' ' || true)
  [[ -n $child ]] && kill -9 "$child" 2>/dev/null
  wait "$p" 2>/dev/null || true
}
cleanup() {
  [[ -n $pid ]] && kill_run
  [[ -n $zpid ]] && kill_run "$zpid"
  # A node this test took away comes back, for the tests after it.
  local i
  for ((i = 1; i <= nodes; i++)); do
    [[ -s $cdir/node$i/kafka.pid ]] || "$KAFKA" start-node "$cdir" "$i" >>"$work/kafka.log" 2>&1 || true
  done
  "$KAFKA" throttle "$cdir" "$client" 0 >>"$work/kafka.log" 2>&1 || true
}
trap cleanup EXIT

timeout 300 "$credpipe" gen --out "$gen" --rows "$rows" --seed "$seed" >"$work/gen.log" 2>&1 \
  || { show "$work/gen.log"; fail "credpipe gen failed"; }
# Replicated topics, so a leader can move; a client id of our own for the
# quota; transactions with a checkpoint every 200 ms.
sed -i 's/^topics:$/topics:\n  replication: 3/' "$gen/credpipe.yaml"
grep -q '^  replication: 3$' "$gen/credpipe.yaml" || fail "no topics: section in the generated configuration"
instance=leader-change-$$
cat >>"$gen/credpipe.yaml" <<EOF
kafka:
  client.id: $client
state:
  dir: $work/state
  instance: $instance
  checkpoint_interval: 200ms
EOF
"$KAFKA" throttle "$cdir" "$client" "$rate" >>"$work/kafka.log" 2>&1 \
  || { show "$work/kafka.log"; fail "could not set the produce quota"; }

# The second instance: same state.instance, a state dir of its own.
sed "s|^  dir: $work/state\$|  dir: $work/state2|" "$gen/credpipe.yaml" >"$gen/second.yaml"
grep -q "^  dir: $work/state2\$" "$gen/second.yaml" || fail "could not write the second configuration"
conf=$gen/credpipe.yaml
run_bg() {  # run_bg LOG: credpipe in the background, pid in $pid
  date +%s.%N >"$1.start"
  /usr/bin/time -v -o "$1.time" "$credpipe" run -c "$conf" --once --brokers "$bs" \
    --topic-prefix "$prefix" --no-progress --report-json "$1.report.json" \
    >"$1.out" 2>"$1" &
  pid=$!
}
alive() { [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }
leaders() { "$KAFKA" leaders "$cdir" "$records" 2>/dev/null || true; }
leader_of0() { awk '$1 == 0 { print $2 }' <<<"$1"; }
# The transaction coordinator's partition: Kafka's
# TransactionStateManager.partitionFor, abs(String.hashCode) % partitions.
txn_part() {
  "$PY" - "credpipe-$1" "$2" <<'PYEOF'
import sys
h = 0
for c in sys.argv[1]:
    h = (31 * h + ord(c)) & 0xffffffff
h = h - (1 << 32) if h >= 1 << 31 else h
print((0 if h == -(1 << 31) else abs(h)) % int(sys.argv[2]))
PYEOF
}
coordinator() { "$KAFKA" leaders "$cdir" __transaction_state 2>/dev/null | awk -v p="$tpart" '$1 == p { print $2 }'; }
changed() {  # changed BEFORE AFTER: partitions whose leader differs
  awk 'NR == FNR { l[$1] = $2; next } ($1 in l) && l[$1] != $2' \
    <(echo "$1") <(echo "$2") | wc -l
}
wait_leaders_move() {  # wait_leaders_move NODE SECONDS: none led by NODE
  local t0=$SECONDS now
  while (( SECONDS - t0 < $2 )); do
    now=$(leaders)
    [[ -n $now ]] && ! awk -v n="$1" '$2 == n || $2 < 0 { bad = 1 } END { exit !bad }' <<<"$now" \
      && { echo "$now"; return 0; }
    sleep 0.2
  done
  echo "$now"
  return 1
}

runs=1
run_bg "$work/run$runs.log"
# Producing has begun once the records topic has leaders.
for ((t = 0; t < 300; t++)); do
  grep -q 'event=SINK_READY' "$work/run1.log" 2>/dev/null && [[ -n $(leaders) ]] && break
  alive || break
  sleep 0.1
done
alive || { show "$work/run1.log"; fail "credpipe ended before the first leader change"; }
# The transaction log exists once credpipe has initialised its transactions.
tparts=$("$KAFKA" leaders "$cdir" __transaction_state | wc -l)
(( tparts > 0 )) || fail "no __transaction_state topic in the cluster"
tpart=$(txn_part "$instance" "$tparts")
sleep 1

moves=0 cmoves=0 done_rounds=0 stops=0 kills=0 zsecs=- zlog= bstart= zstatus=0
for ((r = 1; r <= rounds; r++)); do
  alive || break
  how=stop-node
  (( r % 2 == 0 )) && how=kill-node
  before=$(leaders)
  cbefore=$(coordinator)
  if (( (r - 1) % 4 < 2 )); then
    node=$(leader_of0 "$before") what="leader of partition 0"
  else
    node=$cbefore what="transaction coordinator"
  fi
  [[ $node =~ ^[0-9]+$ ]] || fail "round $r: no $what"
  t0=$SECONDS
  "$KAFKA" "$how" "$cdir" "$node" >>"$work/kafka.log" 2>&1 || { show "$work/kafka.log"; fail "round $r: $how $node"; }
  if (( r == 2 && crash == 1 )) && alive; then
    zpid=$pid zlog=$work/run$runs.log
    runs=$((runs + 1))
    conf=$gen/second.yaml
    run_bg "$work/run$runs.log"
    bstart=$work/run$runs.log.start
    say "round $r: a second instance started (run $runs); the first is to be fenced"
  elif (( r == 4 && crash == 1 )) && alive; then
    kill_run
    runs=$((runs + 1))
    run_bg "$work/run$runs.log"
    say "round $r: credpipe killed too, and started again (run $runs)"
  fi
  after=$(wait_leaders_move "$node" 30) || { echo "$after" >&2; fail "round $r: partitions still led by node $node 30 s after $how"; }
  n=$(changed "$before" "$after")
  moves=$((moves + n))
  for ((t = 0; t < 150; t++)); do
    cnow=$(coordinator)
    [[ $cnow =~ ^[0-9]+$ && $cnow != "$node" ]] && break
    sleep 0.2
  done
  [[ $cnow != "$cbefore" ]] && cmoves=$((cmoves + 1))
  say "round $r: $how $node ($what): $n partitions changed leader in $((SECONDS - t0)) s;" \
      "coordinator $cbefore -> $cnow"
  sleep "$down"
  "$KAFKA" start-node "$cdir" "$node" >>"$work/kafka.log" 2>&1 || { show "$work/kafka.log"; fail "round $r: node $node did not come back"; }
  "$KAFKA" wait-isr "$cdir" "$records" 60 >>"$work/kafka.log" 2>&1 || { show "$work/kafka.log"; fail "round $r: replicas not back in sync"; }
  "$KAFKA" wait-isr "$cdir" __transaction_state 60 >>"$work/kafka.log" 2>&1 || { show "$work/kafka.log"; fail "round $r: transaction log replicas not back in sync"; }
  before=$after cbefore=$cnow
  "$KAFKA" elect-preferred "$cdir" "$records" __transaction_state >>"$work/kafka.log" 2>&1 \
    || { show "$work/kafka.log"; fail "round $r: preferred-leader election failed"; }
  after=$(leaders)
  cnow=$(coordinator)
  n=$(changed "$before" "$after")
  moves=$((moves + n))
  [[ $cnow != "$cbefore" ]] && cmoves=$((cmoves + 1))
  say "round $r: node $node back, preferred-leader election: $n partitions changed leader;" \
      "coordinator $cbefore -> $cnow"
  # A round counts when credpipe was running as the node went away.
  done_rounds=$r
  if [[ $how == stop-node ]]; then stops=$((stops + 1)); else kills=$((kills + 1)); fi
  alive || say "round $r: credpipe ended during the round"
done
(( stops >= 1 && kills >= 1 )) \
  || fail "only $done_rounds rounds (stops $stops, kills $kills) within the run: add rows or lower CP_LC_RATE"

if [[ -n $zpid ]]; then
  # The fenced instance: gone, non-zero, saying so, in time.
  for ((t = 0; t < zombie_s * 5; t++)); do
    kill -0 "$zpid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$zpid" 2>/dev/null && { show "$zlog"; fail "the fenced instance still runs ${zombie_s} s after the rounds"; }
  zstatus=0
  wait "$zpid" || zstatus=$?
  zpid=
fi
if [[ -n $zlog ]] && (( zstatus == 0 )); then
  # It committed its last epoch before the second one's start fenced it.
  say "note: the first instance finished before it was fenced"
elif [[ -n $zlog ]]; then
  grep -qE 'event=KAFKA_REFUSED.*FENCED' "$zlog" || { show "$zlog"; fail "the fenced instance did not say it was fenced"; }
  zsecs=$("$PY" - "$zlog.start" "$zlog.time" "$bstart" <<'PYEOF'
import re, sys
start = float(open(sys.argv[1]).read())
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)", open(sys.argv[2]).read())
secs = 0.0
for part in m.group(1).split(":"):
    secs = secs * 60 + float(part)
print(f"{start + secs - float(open(sys.argv[3]).read()):.1f}")
PYEOF
)
  say "the fenced instance exited (status $zstatus) ${zsecs} s after the second one started"
  "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)' "$zsecs" "$zombie_s" \
    || fail "the fenced instance took ${zsecs} s to exit (limit ${zombie_s} s)"
fi

status=0
wait "$pid" || status=$?
pid=
reruns=0
while (( status != 0 )); do
  grep -qE 'event=(COMMIT_FAILED|NOT_COMMITTED|FLUSH_FAILED|DELIVERY_FAILED|CHECKPOINT_FAILED|PRODUCE_FAILED)' "$work/run$runs.log" \
    || { show "$work/run$runs.log"; fail "run $runs failed (exit $status) without saying why"; }
  (( reruns < 2 )) || { show "$work/run$runs.log"; fail "run $runs failed, after $reruns runs again"; }
  say "run $runs stopped on the changes (exit $status); running it again resumes"
  runs=$((runs + 1)) reruns=$((reruns + 1))
  run_bg "$work/run$runs.log"
  status=0
  wait "$pid" || status=$?
  pid=
done
restarts=$(cat "$work"/run*.log | grep -c 'event=RESTART_FROM_CHECKPOINT' || true)
# A fenced or killed run exits non-zero anyway: sanitizer reports (in a
# build-asan run) must not hide behind that.
if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work"/run*.log >"$work/sanitizer.txt"; then
  show "$(head -n1 "$work/sanitizer.txt")"
  fail "sanitizer reports in $(tr '\n' ' ' <"$work/sanitizer.txt")"
fi
peak=$(sed -n 's/^.*Maximum resident set size (kbytes): //p' "$work"/run*.log.time | sort -n | tail -n1)
say "credpipe: $runs run(s), $restarts restart(s) from the checkpoint inside a run, peak RSS ${peak} kB;" \
    "a fenced instance exited after ${zsecs} s"
grep -hoE 'event=(RESTART_FROM_CHECKPOINT|STATE_[A-Z]+|TXN_[A-Z_]+|DELIVERY_FAILED|RDKAFKA_[A-Z_]+)' \
  "$work"/run*.log | sort | uniq -c | sed 's/^/run_leader_change_test: /' || true

timeout 600 "$PY" "$HERE/check_output.py" --bootstrap "$bs" --truth "$gen/truth.json" \
    --report "$work/run$runs.log.report.json" --records-topic "$records" \
    --rejects-topic "${prefix}credpipe.rejects" --sharing-topic "${prefix}credpipe.sharing" \
    --isolation read_committed --timeout 300 >"$work/check.log" 2>&1 \
  || { show "$work/check.log"; fail "check_output.py found loss or duplication"; }
# Lost: keys of the truth not on the topic; duplicated: records read
# beyond the distinct keys (check_output.py has already failed on either).
read -r got distinct < <(sed -n 's/^  records \([0-9]*\), distinct keys \([0-9]*\),.*/\1 \2/p' "$work/check.log")
want=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["totals"]["produced"])' "$gen/truth.json")
tail -n 1 "$work/check.log"
say "PASS: $moves leader changes of the records topic and $cmoves coordinator moves" \
    "in $done_rounds rounds ($stops SIGTERM, $kills SIGKILL);" \
    "$got records checked, $((want - distinct)) lost, $((got - distinct)) duplicated;" \
    "peak RSS ${peak} kB"
