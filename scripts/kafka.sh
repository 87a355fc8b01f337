#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft: broker + controller in one JVM)
# for development and integration tests.
#
#   scripts/kafka.sh start    resolve Kafka from Maven Central (cached), format
#                             storage if needed, start, wait until ready
#   scripts/kafka.sh stop     stop the broker (SIGTERM, then SIGKILL after 30s)
#   scripts/kafka.sh status   exit 0 if running, 3 if not
#   scripts/kafka.sh reset    stop and delete the data dir (fresh cluster)
#
# Environment:
#   KAFKA_VERSION          org.apache.kafka:kafka_2.13 version (default 4.1.1)
#   KAFKA_PORT             PLAINTEXT listener port (default 9092)
#   KAFKA_CONTROLLER_PORT  CONTROLLER listener port (default 9093)
#   KAFKA_STATE_DIR        state dir (default <repo>/.cache/kafka/run)
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xms256m -Xmx512m)
#   KAFKA_OPTS             extra JVM flags
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM (default 30)
#
# Needs java (>= 17) and, for the first start of a version, mvn.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HOST="127.0.0.1"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

POM="$SCRIPT_DIR/kafka/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/kafka/log4j2.yaml"
CACHE_DIR="$REPO_ROOT/.cache/kafka"
VERSION_DIR="$CACHE_DIR/$KAFKA_VERSION"
LIBS_DIR="$VERSION_DIR/libs"
LIBS_MARKER="$VERSION_DIR/.resolved"
MVN_LOG="$VERSION_DIR/mvn.log"

STATE_DIR="${KAFKA_STATE_DIR:-$CACHE_DIR/run}"
DATA_DIR="$STATE_DIR/data"
SERVER_PROPERTIES="$STATE_DIR/server.properties"
KAFKA_LOG="$STATE_DIR/kafka.log"
PID_FILE="$STATE_DIR/kafka.pid"

log() { printf 'kafka.sh: %s\n' "$*"; }
err() { printf 'kafka.sh: error: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

usage() {
  echo "usage: $0 start|stop|status|reset" >&2
  exit 2
}

is_port_number() { [[ "$1" =~ ^[0-9]+$ ]] && (( $1 > 0 && $1 < 65536 )); }

# ---------------------------------------------------------------- prerequisites

require_java() {
  command -v java >/dev/null 2>&1 \
    || die "'java' not found on PATH; Kafka $KAFKA_VERSION needs Java 17 or newer"
  local spec major
  spec="$(java -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java\.specification\.version/ { print $2; exit }' | tr -d '[:space:]')"
  [[ -n "$spec" ]] || die "could not determine the Java version of '$(command -v java)'"
  if [[ "$spec" == 1.* ]]; then major="${spec#1.}"; major="${major%%.*}"; else major="${spec%%.*}"; fi
  [[ "$major" =~ ^[0-9]+$ ]] || die "could not parse Java version '$spec'"
  (( major >= 17 )) \
    || die "Java $spec found at '$(command -v java)'; Kafka $KAFKA_VERSION needs Java 17 or newer"
}

require_mvn() {
  command -v mvn >/dev/null 2>&1 \
    || die "'mvn' (Apache Maven) not found on PATH; it is needed once to download Kafka $KAFKA_VERSION into $LIBS_DIR"
}

pom_checksum() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$POM" | awk '{print $1}'
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$POM" | awk '{print $1}'
  else cksum "$POM" | awk '{print $1}'
  fi
}

libs_complete() {
  [[ -f "$LIBS_MARKER" && -d "$LIBS_DIR" ]] || return 1
  [[ "$(cat "$LIBS_MARKER")" == "$(pom_checksum)" ]] || return 1
  compgen -G "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null
}

resolve_kafka() {
  if libs_complete; then
    return 0
  fi
  require_mvn
  [[ -f "$POM" ]] || die "missing $POM"
  mkdir -p "$VERSION_DIR"
  local tmp="$VERSION_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central (log: $MVN_LOG)"
  local start=$SECONDS
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -Dkafka.version="$KAFKA_VERSION" >"$MVN_LOG" 2>&1; then
    rm -rf "$tmp"
    err "Maven could not resolve Kafka $KAFKA_VERSION; last lines of $MVN_LOG:"
    tail -n 40 "$MVN_LOG" >&2 || true
    exit 1
  fi
  if ! compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
    rm -rf "$tmp"
    die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing (see $MVN_LOG)"
  fi
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  pom_checksum >"$LIBS_MARKER"
  log "resolved $(find "$LIBS_DIR" -name '*.jar' | wc -l | tr -d ' ') jars in $((SECONDS - start))s"
}

# ------------------------------------------------------------------- processes

port_open() { # port
  (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null
}

read_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" ]] || return 1
  printf '%s\n' "$pid"
}

# True if $1 is alive and is a Kafka broker (not a recycled pid).
is_kafka_pid() {
  local pid="$1" args
  kill -0 "$pid" 2>/dev/null || return 1
  args="$(ps -p "$pid" -o args= 2>/dev/null || true)"
  [[ -z "$args" || "$args" == *kafka.Kafka* ]]
}

running_pid() {
  local pid
  pid="$(read_pid)" || return 1
  if is_kafka_pid "$pid"; then
    printf '%s\n' "$pid"
    return 0
  fi
  return 1
}

describe_port_owner() { # port
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | sed 's/^/  /' || true
  elif command -v lsof >/dev/null 2>&1; then
    lsof -nP -iTCP:"$1" -sTCP:LISTEN 2>/dev/null | sed 's/^/  /' || true
  fi
}

broker_ready() { # pid
  kill -0 "$1" 2>/dev/null || return 1
  grep -q 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null || return 1
  port_open "$KAFKA_PORT"
}

wait_ready() { # pid
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while (( SECONDS < deadline )); do
    if broker_ready "$pid"; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      err "Kafka exited during startup; last 40 lines of $KAFKA_LOG:"
      tail -n 40 "$KAFKA_LOG" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  err "Kafka (pid $pid) not ready after ${KAFKA_START_TIMEOUT}s; last 40 lines of $KAFKA_LOG:"
  tail -n 40 "$KAFKA_LOG" >&2 || true
  err "it is still running; use '$0 stop' to stop it"
  exit 1
}

# ---------------------------------------------------------------------- config

write_server_properties() {
  mkdir -p "$DATA_DIR"
  cat >"$SERVER_PROPERTIES" <<EOF
# Generated by scripts/kafka.sh -- do not edit, it is rewritten on every start.
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.quorum.bootstrap.servers=$KAFKA_HOST:$KAFKA_CONTROLLER_PORT

log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true

offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

log.retention.hours=24
log.retention.bytes=1073741824
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
num.recovery.threads.per.data.dir=1
EOF
}

java_opts() {
  # shellcheck disable=SC2206 # word splitting of user-supplied flags is intended
  JAVA_OPTS=(
    $KAFKA_HEAP_OPTS
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$LOG4J_CONFIG"
    -Dkafka.logs.dir="$STATE_DIR"
    $KAFKA_OPTS
  )
}

format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  local cluster_id format_log="$STATE_DIR/format.log"
  cluster_id="$(java -Dlog4j2.configurationFile="$LOG4J_CONFIG" -cp "$LIBS_DIR/*" \
    kafka.tools.StorageTool random-uuid 2>"$format_log" | tail -n 1 | tr -d '[:space:]')" || true
  [[ -n "$cluster_id" ]] || { cat "$format_log" >&2; die "could not generate a cluster id"; }
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  if ! java -Dlog4j2.configurationFile="$LOG4J_CONFIG" -cp "$LIBS_DIR/*" kafka.tools.StorageTool \
      format --standalone -t "$cluster_id" -c "$SERVER_PROPERTIES" >>"$format_log" 2>&1; then
    err "storage format failed:"
    tail -n 40 "$format_log" >&2 || true
    exit 1
  fi
  # Remember the controller endpoint baked into the bootstrap voter set.
  printf '%s\n' "$KAFKA_CONTROLLER_PORT" >"$DATA_DIR/.controller-port"
}

# Serialise concurrent start/stop/reset calls on the same state dir (e.g.
# parallel test runners). flock is optional (util-linux); without it, no lock.
take_lock() {
  mkdir -p "$STATE_DIR"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$STATE_DIR/.lock"
  flock -w $((KAFKA_START_TIMEOUT + KAFKA_STOP_TIMEOUT + 120)) 9 \
    || die "timed out waiting for another kafka.sh on $STATE_DIR"
}

# -------------------------------------------------------------------- commands

cmd_start() {
  is_port_number "$KAFKA_PORT" || die "KAFKA_PORT='$KAFKA_PORT' is not a valid port"
  is_port_number "$KAFKA_CONTROLLER_PORT" || die "KAFKA_CONTROLLER_PORT='$KAFKA_CONTROLLER_PORT' is not a valid port"
  [[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
  take_lock

  local pid
  if pid="$(running_pid)"; then
    if broker_ready "$pid"; then
      log "already running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
      return 0
    fi
    log "Kafka (pid $pid) is starting; waiting until it is ready"
    wait_ready "$pid"
    log "ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid)"
    return 0
  fi
  rm -f "$PID_FILE"

  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$p"; then
      err "port $KAFKA_HOST:$p is already in use by another process (not the broker of $STATE_DIR):"
      describe_port_owner "$p" >&2
      die "stop that process or choose other ports via KAFKA_PORT / KAFKA_CONTROLLER_PORT"
    fi
  done

  require_java
  resolve_kafka

  if [[ -f "$DATA_DIR/.controller-port" && "$(cat "$DATA_DIR/.controller-port")" != "$KAFKA_CONTROLLER_PORT" ]]; then
    die "$DATA_DIR was formatted for controller port $(cat "$DATA_DIR/.controller-port"), not $KAFKA_CONTROLLER_PORT; run '$0 reset' first"
  fi
  write_server_properties
  format_storage

  [[ -f "$KAFKA_LOG" ]] && mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"
  local JAVA_OPTS
  java_opts
  log "starting Kafka $KAFKA_VERSION on $KAFKA_HOST:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT, log: $KAFKA_LOG)"
  local launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # The inner shell records its own pid, then execs java (same pid), so the
  # pid file is right even if setsid forks.
  ${launcher[@]+"${launcher[@]}"} nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java "${JAVA_OPTS[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$SERVER_PROPERTIES" \
    >"$KAFKA_LOG" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 50); do
    pid="$(read_pid)" && break
    sleep 0.1
  done
  [[ -n "${pid:-}" ]] || die "could not launch java (see $KAFKA_LOG)"

  local start=$SECONDS
  wait_ready "$pid"
  log "ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid, started in $((SECONDS - start))s)"
}

cmd_stop() {
  if [[ -d "$STATE_DIR" ]]; then take_lock; fi
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping Kafka (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$KAFKA_PORT"; then
      echo "running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
    else
      echo "running (pid $pid), but $KAFKA_HOST:$KAFKA_PORT is not accepting connections yet"
    fi
    return 0
  fi
  echo "stopped (port $KAFKA_PORT)"
  return 3
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA_DIR" "$SERVER_PROPERTIES" "$STATE_DIR/format.log"
  log "deleted $DATA_DIR; the next start formats a fresh cluster"
}

[[ $# -eq 1 ]] || usage
case "$1" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  -h|--help|help) usage ;;
  *) usage ;;
esac
