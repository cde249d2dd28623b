#!/usr/bin/env bash
# Real Apache Kafka broker (KRaft, single node, loopback only) for tests.
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
# Environment (all optional):
#   CP_KAFKA_VERSION        Kafka version (default 4.1.2; see CP_KAFKA_VERSIONS)
#   CP_KAFKA_VERSIONS       versions tried in order by fetch when CP_KAFKA_VERSION
#                           is unset (default "4.1.2 4.0.2")
#   CP_KAFKA_CACHE          cache root (default $HOME/.cache/credpipe/kafka)
#   CP_KAFKA_HEAP           JVM heap flags (default "-Xms256m -Xmx512m")
#   CP_KAFKA_START_TIMEOUT  seconds to wait for the broker to answer (default 60)
#   CP_KAFKA_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (default 30)
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
START_TIMEOUT=${CP_KAFKA_START_TIMEOUT:-60}
STOP_TIMEOUT=${CP_KAFKA_STOP_TIMEOUT:-30}
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

  cat >"$dir/log4j2.properties" <<'EOF'
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

  local cluster_id
  cluster_id=$("$PY" -c 'import base64, os
b = bytearray(os.urandom(16)); b[0] = (b[0] & 0x7f) | 0x01  # not "-"-led, never reserved
print(base64.urlsafe_b64encode(bytes(b)).decode().rstrip("="))')
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

jvm_args() {  # jvm_args DIR: into the array JVM
  local dir=$1 heap
  read -r -a heap <<<"$HEAP"
  JVM=(-server "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
       "-Dlog4j2.configurationFile=$dir/log4j2.properties" "-Dkafka.logs.dir=$dir")
}

# Starts the broker of DIR on its storage and waits until it answers.
launch() {
  local dir=$1 libs=$2 port=$3
  jvm_args "$dir"
  # timeout(1) makes itself a process-group leader and is the pid we record:
  # it forwards SIGTERM to java, and kills it by itself after MAX_LIFETIME so
  # a forgotten broker never outlives the test run. All fds are redirected so
  # nothing (e.g. ctest) waits on the broker's output pipes.
  : >"$dir/kafka.log"
  timeout --signal=TERM --kill-after="$STOP_TIMEOUT" "$MAX_LIFETIME" \
    "$JAVA" "${JVM[@]}" -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/kafka.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/kafka.pid"
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

case ${1:-} in
  fetch) shift; cmd_fetch "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  kill) shift; cmd_kill "$@" ;;
  resume) shift; cmd_resume "$@" ;;
  status) shift; cmd_status "$@" ;;
  create-topic) shift; cmd_create_topic "$@" ;;
  libs) ensure_libs ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
