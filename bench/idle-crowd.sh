#!/usr/bin/env bash
# A good client's handshake time while IDLE connections that send nothing are held open on one node
# (bench/IdleCrowd.java), for the transport given (edge or pekko). The node's handshake timeout is
# raised so that the idle connections stay for the whole run.
# Usage: bench/idle-crowd.sh IDLE SAMPLES [edge|pekko]      (after: mvn -q -pl http -am package -DskipTests)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
IDLE=${1:?idle connections}; SAMPLES=${2:?samples}; TRANSPORT=${3:-edge}
WORK=$(mktemp -d /tmp/pulse-crowd.XXXXXX)
cp "$ROOT/http/target/pulse-node.jar" "$WORK/pulse-node.jar"
export PULSE_HTTP_PORT=28180 PULSE_REMOTE_PORT=25820 PULSE_CASSANDRA_PORT=19342 PULSE_CASSANDRA_STORAGE_PORT=17300
export PULSE_CASSANDRA_DATA_DIR=$WORK/data/cassandra PULSE_HTTP_TRANSPORT=$TRANSPORT
(cd "$WORK" && exec java @"$ROOT/jvm.options" -Dpulse.gateway.handshake-timeout=600s -jar "$WORK/pulse-node.jar" >"$WORK/node.log" 2>&1) &
NODE=$!
trap 'kill $NODE 2>/dev/null && wait $NODE 2>/dev/null || true' EXIT
await_ready "http://127.0.0.1:$PULSE_HTTP_PORT" $NODE
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); transport $TRANSPORT; beside: $(others_running $$ $NODE | tr '\n' ' ')"
java "$ROOT/bench/IdleCrowd.java" "$PULSE_HTTP_PORT" "$IDLE" "$SAMPLES"
