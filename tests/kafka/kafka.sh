#!/usr/bin/env bash
# Real Apache Kafka for tests (KRaft, loopback only): one broker, or a cluster.
#
#   kafka.sh fetch                 download Kafka + runtime deps into the cache
#   kafka.sh start DIR             start a broker with its state in DIR; prints host:port
#   kafka.sh stop DIR              stop it (SIGTERM, then SIGKILL after a deadline); idempotent
#   kafka.sh kill DIR              SIGKILL it (a crash)
#   kafka.sh resume DIR            start it again on its data and ports (after stop or kill)
#   kafka.sh status DIR            exit 0 when the broker in DIR answers metadata
#   kafka.sh create-topic DIR NAME PARTITIONS
#   kafka.sh libs                  print the cached libs dir (fetching if needed)
#
# Cluster mode (N KRaft nodes, each broker+controller, an N-voter quorum):
#   kafka.sh start-cluster DIR [N] start N nodes (default 3) in DIR/node1..N;
#                                  prints the bootstrap list, also in DIR/bootstrap
#   kafka.sh stop-cluster DIR      stop every node (SIGTERM together, then SIGKILL)
#   kafka.sh stop-node DIR I       SIGTERM node I (a clean shutdown)
#   kafka.sh kill-node DIR I       SIGKILL node I (a crash)
#   kafka.sh start-node DIR I      start node I again on its data and ports
#   kafka.sh leaders DIR TOPIC     print "PARTITION LEADER ISR" per partition
#   kafka.sh wait-isr DIR TOPIC [SECONDS]
#                                  wait until every partition of TOPIC has a
#                                  leader and all N replicas in sync
#   kafka.sh elect-preferred DIR TOPIC...
#                                  preferred-leader election for the TOPICs'
#                                  partitions (Kafka's Admin API)
#   kafka.sh throttle DIR CLIENT_ID BYTES_PER_S
#                                  a produce quota per broker for one client
#                                  id (0: none); works on a single broker too
#
# Environment (all optional):
#   CP_KAFKA_VERSION        Kafka version (default 4.1.2; see CP_KAFKA_VERSIONS)
#   CP_KAFKA_VERSIONS       versions tried in order by fetch when CP_KAFKA_VERSION
#                           is unset (default "4.1.2 4.0.2")
#   CP_KAFKA_CACHE          cache root (default $HOME/.cache/credpipe/kafka)
#   CP_KAFKA_HEAP           JVM heap flags (default "-Xms256m -Xmx512m";
#                           cluster nodes "-Xms128m -Xmx384m")
#   CP_KAFKA_START_TIMEOUT  seconds to wait for the broker to answer (default 60)
#   CP_KAFKA_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (default 30)
#   CP_KAFKA_CLUSTER_STOP_TIMEOUT
#                           the same for stop-cluster (default 10)
#   CP_KAFKA_MAX_LIFETIME   the broker is killed after this many seconds even if
#                           nobody calls stop (default 3600)
#   CP_KAFKA_FETCH_TIMEOUT  seconds allowed for the Maven download (default 900)
#   CP_KAFKA_WARMUP         1 (default): start waits for one idempotent write
#                           to topic kafka-sh.ready to succeed; 0: metadata only
#   CP_MVN                  maven command (default mvn); MAVEN_OPTS is honoured,
#                           e.g. -Dmaven.repo.local=DIR
#   JAVA                    java binary (default /usr/bin/java, else java on PATH)
set -euo pipefail
shopt -s inherit_errexit

PROG=$(basename "$0")
DEFAULT_VERSIONS="4.1.2 4.0.2"
CACHE_ROOT=${CP_KAFKA_CACHE:-$HOME/.cache/credpipe/kafka}
HEAP=${CP_KAFKA_HEAP:--Xms256m -Xmx512m}
NODE_HEAP=${CP_KAFKA_HEAP:--Xms128m -Xmx384m}
START_TIMEOUT=${CP_KAFKA_START_TIMEOUT:-60}
STOP_TIMEOUT=${CP_KAFKA_STOP_TIMEOUT:-30}
CLUSTER_STOP_TIMEOUT=${CP_KAFKA_CLUSTER_STOP_TIMEOUT:-10}
MAX_LIFETIME=${CP_KAFKA_MAX_LIFETIME:-3600}
FETCH_TIMEOUT=${CP_KAFKA_FETCH_TIMEOUT:-900}
MVN=${CP_MVN:-mvn}
WARMUP=${CP_KAFKA_WARMUP:-1}
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
if [[ -z ${JAVA:-} ]]; then
  if [[ -x /usr/bin/java ]]; then JAVA=/usr/bin/java; else JAVA=java; fi
fi
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

FETCH_TMPS=()
cleanup() { [[ ${#FETCH_TMPS[@]} == 0 ]] || rm -rf "${FETCH_TMPS[@]}"; }
trap cleanup EXIT

die() { echo "$PROG: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

# ---------------------------------------------------------------- fetch ---

libs_dir() { echo "$CACHE_ROOT/$1/libs"; }
is_fetched() { [[ -f "$CACHE_ROOT/$1/libs/.complete" ]]; }

# Resolve kafka_2.13:$1 with runtime deps into the cache. Returns non-zero if
# Maven cannot resolve that version.
fetch_version() {
  local v=$1 dest tmp pom
  dest=$(libs_dir "$v")
  if is_fetched "$v"; then
    log "kafka $v already cached in $dest"
    return 0
  fi
  command -v "$MVN" >/dev/null || die "maven ($MVN) not found"
  # One fetch per version at a time; the loser finds the cache filled.
  mkdir -p "$CACHE_ROOT"
  exec 9>"$CACHE_ROOT/.$v.lock"
  flock -w "$FETCH_TIMEOUT" 9 || die "timed out waiting for another fetch of $v"
  if is_fetched "$v"; then
    exec 9>&-
    log "kafka $v already cached in $dest"
    return 0
  fi
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/cp-kafka-fetch.XXXXXX")
  FETCH_TMPS+=("$tmp")
  pom=$tmp/pom.xml
  # Step 1: find the log4j version kafka-server brings, so the slf4j binding
  # matches it. Step 2: copy everything.
  cat >"$pom" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.credpipe</groupId>
  <artifactId>kafka-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$v</version>
    </dependency>
  </dependencies>
</project>
EOF
  log "resolving org.apache.kafka:kafka_2.13:$v from Maven Central"
  if ! timeout "$FETCH_TIMEOUT" "$MVN" -B -q -f "$pom" \
        "$DEPENDENCY_PLUGIN:list" -DincludeScope=runtime \
        -DoutputFile="$tmp/list.txt" >"$tmp/mvn1.log" 2>&1; then
    tail -n 30 "$tmp/mvn1.log" >&2
    log "kafka $v did not resolve"
    return 1
  fi
  local log4j slf4j binding
  log4j=$(sed -n 's/.*org\.apache\.logging\.log4j:log4j-core:jar:\([^:]*\):.*/\1/p' "$tmp/list.txt" | head -n1)
  slf4j=$(sed -n 's/.*org\.slf4j:slf4j-api:jar:\([^:]*\):.*/\1/p' "$tmp/list.txt" | head -n1)
  [[ -n $log4j ]] || log4j=2.24.3
  # slf4j 2.x needs log4j-slf4j2-impl, 1.7.x needs log4j-slf4j-impl.
  if [[ $slf4j == 2.* ]]; then binding="log4j-slf4j2-impl"; else binding="log4j-slf4j-impl"; fi
  log "log4j $log4j, slf4j ${slf4j:-?} -> binding $binding"
  cat >"$pom" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.credpipe</groupId>
  <artifactId>kafka-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$v</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>$binding</artifactId>
      <version>$log4j</version>
    </dependency>
  </dependencies>
</project>
EOF
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  if ! timeout "$FETCH_TIMEOUT" "$MVN" -B -q -f "$pom" \
        "$DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime \
        -DoutputDirectory="$dest.tmp" >"$tmp/mvn2.log" 2>&1; then
    tail -n 30 "$tmp/mvn2.log" >&2
    rm -rf "$dest.tmp"
    log "copying kafka $v dependencies failed"
    return 1
  fi
  [[ -f "$dest.tmp/kafka_2.13-$v.jar" ]] || { rm -rf "$dest.tmp"; die "kafka_2.13-$v.jar missing after copy"; }
  # The storage tool must be on the classpath (kafka.tools.StorageTool).
  "$PY" -c 'import sys, zipfile
sys.exit(0 if "kafka/tools/StorageTool.class" in zipfile.ZipFile(sys.argv[1]).namelist() else 1)' \
      "$dest.tmp/kafka_2.13-$v.jar" \
    || { rm -rf "$dest.tmp"; die "kafka/tools/StorageTool.class not in kafka_2.13-$v.jar"; }
  echo "$v" >"$dest.tmp/.complete"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
  exec 9>&-
  log "kafka $v cached in $dest ($(find "$dest" -name '*.jar' | wc -l) jars)"
}

# Pick the version: CP_KAFKA_VERSION if set, else the first cached one of the
# list, else the first that fetches.
resolve_version() {
  local v
  if [[ -n ${CP_KAFKA_VERSION:-} ]]; then
    echo "$CP_KAFKA_VERSION"; return 0
  fi
  for v in ${CP_KAFKA_VERSIONS:-$DEFAULT_VERSIONS}; do
    if is_fetched "$v"; then echo "$v"; return 0; fi
  done
  echo ""
}

cmd_fetch() {
  local v
  if [[ -n ${CP_KAFKA_VERSION:-} ]]; then
    fetch_version "$CP_KAFKA_VERSION" || die "could not fetch kafka $CP_KAFKA_VERSION"
    echo "$CP_KAFKA_VERSION"
    return 0
  fi
  for v in ${CP_KAFKA_VERSIONS:-$DEFAULT_VERSIONS}; do
    if fetch_version "$v"; then echo "$v"; return 0; fi
  done
  die "no Kafka version of '${CP_KAFKA_VERSIONS:-$DEFAULT_VERSIONS}' could be fetched"
}

ensure_libs() {
  local v
  v=$(resolve_version)
  if [[ -z $v ]] || ! is_fetched "$v"; then
    v=$(cmd_fetch) || exit 1
  fi
  [[ -n $v ]] || exit 1
  libs_dir "$v"
}

# ---------------------------------------------------------------- start ---

free_port() {
  "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

read_pid() { if [[ -f $1/kafka.pid ]]; then cat "$1/kafka.pid"; fi; }

# Does the broker at $1 answer a metadata request with a broker listed?
answers_metadata() {
  local out
  out=$(timeout 10 kcat -L -b "$1" -m 5 -X socket.timeout.ms=3000 2>/dev/null) || return 1
  grep -q 'broker [0-9]* at' <<<"$out"
}

# One idempotent, acks=all write and its read-back: the broker then has its
# producer-id/transaction coordinator loaded, so the tests' first producer
# does not start with "coordinator load in progress" retries.
warm_up() {
  local t=kafka-sh.ready
  printf 'ready\n' | timeout 20 kcat -P -b "$1" -t "$t" -X enable.idempotence=true \
    -X acks=all -X message.timeout.ms=15000 -X log_level=3 >/dev/null 2>&1 || return 1
  timeout 20 kcat -C -b "$1" -t "$t" -o beginning -c 1 -e -q -f '%s' 2>/dev/null \
    | grep -q ready
}

new_cluster_id() {
  "$PY" -c 'import base64, os
b = bytearray(os.urandom(16)); b[0] = (b[0] & 0x7f) | 0x01  # not "-"-led, never reserved
print(base64.urlsafe_b64encode(bytes(b)).decode().rstrip("="))'
}

# The broker's log4j2 configuration: INFO to stdout (the broker's kafka.log).
write_log4j() {
  cat >"$1/log4j2.properties" <<'EOF'
status = warn
name = credpipe-test-kafka
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.akafka.name = org.apache.kafka
logger.akafka.level = INFO
EOF
}

cmd_start() {
  local dir=${1:?usage: $PROG start DIR}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local old
  old=$(read_pid "$dir")
  if pid_alive "$old"; then
    log "a broker (pid $old) is still running for $dir; stopping it first"
    cmd_stop "$dir"
  fi
  rm -f "$dir/kafka.pid" "$dir/bootstrap"
  command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
  local libs
  libs=$(ensure_libs)
  local port cport
  port=$(free_port)
  cport=$(free_port)
  while [[ $cport == "$port" ]]; do cport=$(free_port); done
  local data=$dir/data
  rm -rf "$data"
  mkdir -p "$data"

  cat >"$dir/server.properties" <<EOF
# generated by tests/kafka/kafka.sh
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.cleaner.enable=true
EOF

  write_log4j "$dir"

  local cluster_id
  cluster_id=$(new_cluster_id)
  echo "$cluster_id" >"$dir/cluster.id"

  echo "$port" >"$dir/port"
  format_storage "$dir" "$libs"
  launch "$dir" "$libs" "$port"
}

# Formats the storage of DIR's server.properties (a new cluster).
format_storage() {
  local dir=$1 libs=$2 cluster_id
  cluster_id=$(cat "$dir/cluster.id")
  jvm_args "$dir"
  log "formatting storage (cluster id $cluster_id)"
  if ! timeout 120 "$JAVA" "${JVM[@]}" -cp "$libs/*" kafka.tools.StorageTool \
        format -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1; then
    cat "$dir/format.log" >&2
    die "storage format failed"
  fi
}

jvm_args() {  # jvm_args DIR [HEAP]: into the array JVM
  local dir=$1 heap
  read -r -a heap <<<"${2:-$HEAP}"
  JVM=(-server "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
       "-Dlog4j2.configurationFile=$dir/log4j2.properties" "-Dkafka.logs.dir=$dir")
}

# Starts the broker of DIR on its storage in the background; its pid in
# DIR/kafka.pid and in $SPAWNED. HEAP optional.
spawn() {
  local dir=$1 libs=$2
  jvm_args "$dir" "${3:-}"
  # timeout(1) makes itself a process-group leader and is the pid we record:
  # it forwards SIGTERM to java, and kills it by itself after MAX_LIFETIME so
  # a forgotten broker never outlives the test run. All fds are redirected so
  # nothing (e.g. ctest) waits on the broker's output pipes.
  : >"$dir/kafka.log"
  timeout --signal=TERM --kill-after="$STOP_TIMEOUT" "$MAX_LIFETIME" \
    "$JAVA" "${JVM[@]}" -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/kafka.log" 2>&1 &
  SPAWNED=$!
  echo "$SPAWNED" >"$dir/kafka.pid"
}

# Starts the broker of DIR on its storage and waits until it answers.
launch() {
  local dir=$1 libs=$2 port=$3
  spawn "$dir" "$libs"
  local pid=$SPAWNED
  local bootstrap=127.0.0.1:$port

  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! pid_alive "$pid"; then
      echo "---- tail of $dir/kafka.log ----" >&2
      tail -n 40 "$dir/kafka.log" >&2
      rm -f "$dir/kafka.pid"
      die "broker exited during startup"
    fi
    if answers_metadata "$bootstrap" && { [[ $WARMUP == 0 ]] || warm_up "$bootstrap"; }; then
      break
    fi
    if (( SECONDS >= deadline )); then
      echo "---- tail of $dir/kafka.log ----" >&2
      tail -n 40 "$dir/kafka.log" >&2
      cmd_stop "$dir" >/dev/null 2>&1 || true
      die "broker did not answer metadata at $bootstrap within ${START_TIMEOUT}s"
    fi
    sleep 0.3
  done
  echo "$bootstrap" >"$dir/bootstrap"
  log "broker pid $pid up at $bootstrap (kafka $(basename "$(dirname "$libs")"), state in $dir)"
  echo "$bootstrap"
}

# The broker of DIR again, on its data and ports, after stop or kill: a
# broker that went away and came back, for outage tests.
cmd_resume() {
  local dir=${1:?usage: $PROG resume DIR}
  dir=$(cd "$dir" && pwd)
  [[ -f $dir/server.properties && -f $dir/port ]] || die "no broker was started in $dir"
  pid_alive "$(read_pid "$dir")" && die "the broker of $dir is running"
  rm -f "$dir/kafka.pid" "$dir/bootstrap"
  launch "$dir" "$(ensure_libs)" "$(cat "$dir/port")"
}

# SIGKILL: a broker that crashes.
cmd_kill() {
  local dir=${1:?usage: $PROG kill DIR} pid target pgid
  pid=$(read_pid "$dir")
  pid_alive "$pid" || { log "no broker running for $dir"; return 0; }
  target=$pid
  pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
  [[ $pgid == "$pid" ]] && target=-$pid
  kill -KILL -- "$target" 2>/dev/null || true
  while pid_alive "$pid"; do sleep 0.1; done
  rm -f "$dir/kafka.pid"
  log "broker pid $pid killed"
}

# ----------------------------------------------------------------- stop ---

cmd_stop() {
  local dir=${1:?usage: $PROG stop DIR}
  [[ -d $dir ]] || { log "no state dir $dir; nothing to stop"; return 0; }
  local pid
  pid=$(read_pid "$dir")
  if ! pid_alive "$pid"; then
    rm -f "$dir/kafka.pid"
    log "no broker running for $dir"
    return 0
  fi
  # Signal the group when $pid leads it (timeout + java), else only $pid.
  local target=$pid pgid
  pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
  [[ $pgid == "$pid" ]] && target=-$pid
  kill -TERM -- "$target" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
  if pid_alive "$pid"; then
    log "broker pid $pid still alive after ${STOP_TIMEOUT}s; SIGKILL"
    kill -KILL -- "$target" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
  fi
  pid_alive "$pid" && die "could not stop broker pid $pid"
  rm -f "$dir/kafka.pid"
  log "broker pid $pid stopped"
}

cmd_status() {
  local dir=${1:?usage: $PROG status DIR}
  local pid
  pid=$(read_pid "$dir")
  pid_alive "$pid" || { echo "not running"; return 1; }
  [[ -f $dir/bootstrap ]] || { echo "starting (pid $pid)"; return 1; }
  if answers_metadata "$(cat "$dir/bootstrap")"; then
    echo "running pid $pid at $(cat "$dir/bootstrap")"
  else
    echo "pid $pid does not answer at $(cat "$dir/bootstrap")"; return 1
  fi
}

cmd_create_topic() {
  local dir=${1:?usage: $PROG create-topic DIR NAME PARTITIONS} name=${2:?topic} parts=${3:-1}
  local bs
  bs=$(cat "$dir/bootstrap") || die "no bootstrap file in $dir"
  timeout 60 "$PY" - "$bs" "$name" "$parts" <<'EOF'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
bs, name, parts = sys.argv[1], sys.argv[2], int(sys.argv[3])
a = AdminClient({"bootstrap.servers": bs})
fs = a.create_topics([NewTopic(name, num_partitions=parts, replication_factor=1)],
                     operation_timeout=30, request_timeout=30)
fs[name].result(timeout=40)
md = a.list_topics(topic=name, timeout=20)
n = len(md.topics[name].partitions)
if n != parts:
    sys.exit(f"topic {name} has {n} partitions, wanted {parts}")
print(f"created {name} with {n} partitions")
EOF
}

# -------------------------------------------------------------- cluster ---
#
# N KRaft nodes, each broker and controller (an N-voter quorum, so one node
# may be down and the cluster still elects leaders), each with its own
# loopback ports and data in DIR/nodeI, under the same timeout(1) lifetime
# guard as the single broker. Replication factor N (3 by default) with
# min.insync.replicas N-1 for every topic, the transaction and offsets logs
# included: taking one node away moves partition leaders while acks=all
# writes and transactions go on. Leaders move only when a node goes or an
# election is asked for (auto.leader.rebalance.enable=false), so a test can
# count the leader changes it causes.

node_dir() { echo "$1/node$2"; }

cluster_nodes() {  # the node count of the cluster in DIR
  [[ -f $1/nodes ]] || die "no cluster was started in $1"
  cat "$1/nodes"
}

cmd_start_cluster() {
  local dir=${1:?usage: $PROG start-cluster DIR [N]} n=${2:-3}
  [[ $n =~ ^[0-9]+$ ]] && (( n >= 1 && n <= 9 )) || die "node count $n: 1 to 9"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ -f $dir/nodes ]]; then
    log "a cluster was started in $dir; stopping it first"
    cmd_stop_cluster "$dir"
  fi
  command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
  local libs
  libs=$(ensure_libs)
  rm -rf "$dir"/node* "$dir/bootstrap" "$dir/nodes"
  local i ports=() cports=() used=" " p
  for ((i = 1; i <= n; i++)); do
    for p in port cport; do
      local v
      v=$(free_port)
      while [[ $used == *" $v "* ]]; do v=$(free_port); done
      used+="$v "
      if [[ $p == port ]]; then ports[i]=$v; else cports[i]=$v; fi
    done
  done
  local voters="" bootstrap=""
  for ((i = 1; i <= n; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:${cports[i]}"
    bootstrap+="${bootstrap:+,}127.0.0.1:${ports[i]}"
  done
  local rf=$n minisr=$(( n > 1 ? n - 1 : 1 )) cluster_id
  cluster_id=$(new_cluster_id)
  for ((i = 1; i <= n; i++)); do
    local nd
    nd=$(node_dir "$dir" "$i")
    mkdir -p "$nd/data"
    cat >"$nd/server.properties" <<EOF
# generated by tests/kafka/kafka.sh start-cluster: node $i of $n
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${ports[i]},CONTROLLER://127.0.0.1:${cports[i]}
advertised.listeners=PLAINTEXT://127.0.0.1:${ports[i]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$nd/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$minisr
auto.create.topics.enable=true
auto.leader.rebalance.enable=false
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$minisr
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$minisr
group.initial.rebalance.delay.ms=0
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=6000
num.network.threads=2
num.io.threads=2
num.replica.fetchers=1
log.retention.hours=24
log.cleaner.enable=true
EOF
    write_log4j "$nd"
    echo "$cluster_id" >"$nd/cluster.id"
    echo "${ports[i]}" >"$nd/port"
    format_storage "$nd" "$libs"
  done
  echo "$n" >"$dir/nodes"
  # Every node at once: none can finish starting without a quorum.
  for ((i = 1; i <= n; i++)); do
    spawn "$(node_dir "$dir" "$i")" "$libs" "$NODE_HEAP"
  done
  local deadline=$((SECONDS + START_TIMEOUT * 2))
  while :; do
    for ((i = 1; i <= n; i++)); do
      local nd
      nd=$(node_dir "$dir" "$i")
      if ! pid_alive "$(read_pid "$nd")"; then
        echo "---- tail of $nd/kafka.log ----" >&2
        tail -n 40 "$nd/kafka.log" >&2
        cmd_stop_cluster "$dir" >/dev/null 2>&1 || true
        die "node $i exited during startup"
      fi
    done
    if (( $(brokers_listed "$bootstrap") == n )) &&
       { [[ $WARMUP == 0 ]] || warm_up "$bootstrap"; }; then
      break
    fi
    if (( SECONDS >= deadline )); then
      for ((i = 1; i <= n; i++)); do
        echo "---- tail of $(node_dir "$dir" "$i")/kafka.log ----" >&2
        tail -n 15 "$(node_dir "$dir" "$i")/kafka.log" >&2
      done
      cmd_stop_cluster "$dir" >/dev/null 2>&1 || true
      die "the cluster did not list $n brokers at $bootstrap within $((START_TIMEOUT * 2))s"
    fi
    sleep 0.5
  done
  echo "$bootstrap" >"$dir/bootstrap"
  log "cluster of $n nodes up at $bootstrap (kafka $(basename "$(dirname "$libs")"), state in $dir)"
  echo "$bootstrap"
}

# How many brokers the metadata from BOOTSTRAP lists (0 when none answers).
brokers_listed() {
  local out
  out=$(timeout 10 kcat -L -b "$1" -m 5 -X socket.timeout.ms=3000 2>/dev/null) || { echo 0; return; }
  grep -c '^  broker [0-9]* at' <<<"$out" || true
}

# Does node I, asked on its own port, list itself? It then has its
# metadata and serves requests.
node_answers() {
  local dir=$1 i=$2 port out
  port=$(cat "$(node_dir "$dir" "$i")/port")
  out=$(timeout 10 kcat -L -b "127.0.0.1:$port" -m 5 -X socket.timeout.ms=3000 2>/dev/null) || return 1
  grep -q "^  broker $i at 127.0.0.1:$port" <<<"$out"
}

node_arg() {  # node_arg DIR I: checks I, prints the node's dir
  local dir=$1 i=$2 n
  n=$(cluster_nodes "$dir")
  [[ $i =~ ^[0-9]+$ ]] && (( i >= 1 && i <= n )) || die "node $i: the cluster in $dir has nodes 1 to $n"
  node_dir "$dir" "$i"
}

cmd_stop_node() {
  local dir=${1:?usage: $PROG stop-node DIR I} i=${2:?node}
  local nd
  nd=$(node_arg "$dir" "$i")
  cmd_stop "$nd"
}

cmd_kill_node() {
  local dir=${1:?usage: $PROG kill-node DIR I} i=${2:?node}
  local nd
  nd=$(node_arg "$dir" "$i")
  cmd_kill "$nd"
}

cmd_start_node() {
  local dir=${1:?usage: $PROG start-node DIR I} i=${2:?node} nd
  nd=$(node_arg "$dir" "$i")
  pid_alive "$(read_pid "$nd")" && die "node $i of $dir is running"
  spawn "$nd" "$(ensure_libs)" "$NODE_HEAP"
  local pid=$SPAWNED deadline=$((SECONDS + START_TIMEOUT))
  until node_answers "$dir" "$i"; do
    if ! pid_alive "$pid"; then
      tail -n 40 "$nd/kafka.log" >&2
      rm -f "$nd/kafka.pid"
      die "node $i exited during startup"
    fi
    if (( SECONDS >= deadline )); then
      tail -n 40 "$nd/kafka.log" >&2
      cmd_stop "$nd" >/dev/null 2>&1 || true
      die "node $i did not answer within ${START_TIMEOUT}s"
    fi
    sleep 0.3
  done
  log "node $i pid $pid up again at 127.0.0.1:$(cat "$nd/port")"
}

# Stops every node: SIGTERM to all at once, then SIGKILL after
# CP_KAFKA_CLUSTER_STOP_TIMEOUT. Whatever the order, the last nodes' clean
# shutdown waits for a controller quorum that is already gone (seen: 30 s
# and more), and a test cluster's data is thrown away anyway.
cmd_stop_cluster() {
  local dir=${1:?usage: $PROG stop-cluster DIR} i n nd pid pids=() targets=()
  [[ -f $dir/nodes ]] || { log "no cluster in $dir; nothing to stop"; return 0; }
  n=$(cat "$dir/nodes")
  for ((i = 1; i <= n; i++)); do
    nd=$(node_dir "$dir" "$i")
    pid=$(read_pid "$nd")
    pid_alive "$pid" || { rm -f "$nd/kafka.pid"; continue; }
    local target=$pid pgid
    pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    [[ $pgid == "$pid" ]] && target=-$pid
    kill -TERM -- "$target" 2>/dev/null || true
    pids+=("$pid"); targets+=("$target")
  done
  local deadline=$((SECONDS + CLUSTER_STOP_TIMEOUT)) k alive
  while :; do
    alive=0
    for pid in "${pids[@]}"; do pid_alive "$pid" && alive=1; done
    (( alive && SECONDS < deadline )) || break
    sleep 0.2
  done
  for k in "${!pids[@]}"; do
    if pid_alive "${pids[k]}"; then
      log "node pid ${pids[k]} still alive after ${CLUSTER_STOP_TIMEOUT}s; SIGKILL"
      kill -KILL -- "${targets[k]}" 2>/dev/null || true
    fi
  done
  for pid in "${pids[@]}"; do
    deadline=$((SECONDS + 10))
    while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
    pid_alive "$pid" && die "could not stop node pid $pid"
  done
  for ((i = 1; i <= n; i++)); do rm -f "$(node_dir "$dir" "$i")/kafka.pid"; done
  log "cluster in $dir stopped (${#pids[@]} nodes were running)"
}

# "PARTITION LEADER ISR" for each partition of TOPIC, as the cluster's
# metadata says (leader -1: none).
cmd_leaders() {
  local dir=${1:?usage: $PROG leaders DIR TOPIC} topic=${2:?topic} out
  out=$(timeout 15 kcat -L -b "$(cat "$dir/bootstrap")" -t "$topic" -m 5 \
          -X socket.timeout.ms=3000 2>/dev/null) || die "no metadata for $topic"
  sed -n 's/^ *partition \([0-9]*\), leader \(-\{0,1\}[0-9]*\), replicas: [0-9,]*, isrs: \([0-9,]*\).*/\1 \2 \3/p' \
    <<<"$out"
}

cmd_wait_isr() {
  local dir=${1:?usage: $PROG wait-isr DIR TOPIC [SECONDS]} topic=${2:?topic} secs=${3:-60}
  local n deadline lines bad
  n=$(cluster_nodes "$dir")
  deadline=$((SECONDS + secs))
  while :; do
    lines=$(cmd_leaders "$dir" "$topic" 2>/dev/null || true)
    bad=$(awk -v n="$n" '$2 < 0 || split($3, a, ",") != n' <<<"$lines" | wc -l)
    [[ -n $lines ]] && (( bad == 0 )) && return 0
    (( SECONDS < deadline )) || { echo "$lines" >&2; die "$topic: replicas not in sync after ${secs}s"; }
    sleep 0.5
  done
}

# Admin requests kcat and librdkafka 2.0.2 cannot make, through the Admin
# API of the cached kafka-clients jar (ClusterAdmin.java, run by java's
# source launcher: nothing to build).
cluster_admin() {
  local dir=$1 libs here
  shift
  libs=$(ensure_libs)
  here=$(cd "$(dirname "$0")" && pwd)
  cat >"$dir/tools-log4j2.properties" <<'EOF'
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
  timeout 60 "$JAVA" -Xmx128m "-Dlog4j2.configurationFile=$dir/tools-log4j2.properties" \
    -cp "$libs/*" "$here/ClusterAdmin.java" "$(cat "$dir/bootstrap")" "$@"
}

# What kafka-leader-election.sh --election-type preferred does.
cmd_elect_preferred() {
  local dir=${1:?usage: $PROG elect-preferred DIR TOPIC...}
  [[ $# -ge 2 ]] || die "usage: $PROG elect-preferred DIR TOPIC..."
  shift
  cluster_admin "$dir" elect-preferred "$@"
}

# A produce quota for one client id (what kafka-configs.sh --entity-type
# clients --add-config producer_byte_rate=B does); 0 removes it.
cmd_throttle() {
  local dir=${1:?usage: $PROG throttle DIR CLIENT_ID BYTES_PER_S} id=${2:?client id} b=${3:?bytes}
  [[ $b =~ ^[0-9]+$ ]] || die "bytes per second: a number"
  cluster_admin "$dir" throttle "$id" "$b"
}

case ${1:-} in
  fetch) shift; cmd_fetch "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  kill) shift; cmd_kill "$@" ;;
  resume) shift; cmd_resume "$@" ;;
  status) shift; cmd_status "$@" ;;
  create-topic) shift; cmd_create_topic "$@" ;;
  libs) ensure_libs ;;
  start-cluster) shift; cmd_start_cluster "$@" ;;
  stop-cluster) shift; cmd_stop_cluster "$@" ;;
  stop-node) shift; cmd_stop_node "$@" ;;
  kill-node) shift; cmd_kill_node "$@" ;;
  start-node) shift; cmd_start_node "$@" ;;
  leaders) shift; cmd_leaders "$@" ;;
  wait-isr) shift; cmd_wait_isr "$@" ;;
  elect-preferred) shift; cmd_elect_preferred "$@" ;;
  throttle) shift; cmd_throttle "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
