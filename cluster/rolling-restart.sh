#!/usr/bin/env bash
# Rolling restart, scale out and scale in of the local cluster under chat load, counted.
#
# Starts Cassandra and three nodes (cluster/local.sh), runs the counting chat client
# (cluster/ChatCounter.java: senders count a message only once acknowledged, receivers resume with
# since), then, while the load runs:
#   1. restarts each node in turn (SIGTERM: it hands off its shards and leaves; start; wait ready),
#   2. adds a fourth node and shows the shards rebalance onto it,
#   3. makes one node leave gracefully (its shards hand off first) and shows where they went,
# then stops the load, checks every acknowledged message was received once (also replayed from seq 0
# on a fresh socket), prints the client's RESULT line, and stops every process it started.
#   cluster/rolling-restart.sh [conversations=8] [messages/s per conversation=10]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${PULSE_CLUSTER_DIR:-$ROOT/data/local-cluster}
CONVS=${1:-8}
RATE=${2:-10}
LOCAL="$ROOT/cluster/local.sh"
mkdir -p "$RUN"
STOP="$RUN/counter.stop"
rm -f "$STOP"
counter_pid=""

cleanup() {
  [ -n "$counter_pid" ] && kill "$counter_pid" 2>/dev/null || true
  "$LOCAL" stop || true
}
trap cleanup EXIT

stamp() { echo "== $(date -u +%H:%M:%S) $*"; }

stamp "start: Cassandra and 3 nodes"
"$LOCAL" start 3

stamp "load: $CONVS conversations, $RATE messages/s each, one sender and one receiver per conversation"
: >"$RUN/counter.log"
java "$ROOT/cluster/ChatCounter.java" --ports 8080,8081,8082,8083 --conversations "$CONVS" --rate "$RATE" --stop-file "$STOP" \
  >"$RUN/counter.log" 2>&1 &
counter_pid=$!
tail -n +1 -f "$RUN/counter.log" --pid=$counter_pid &
# the load starts once its conversations exist; then let it run a while before the first restart
for _ in $(seq 1 120); do grep -q "conversations created" "$RUN/counter.log" && break; sleep 1; done
sleep 15
"$LOCAL" shards

for i in 0 1 2; do
  stamp "rolling restart: node $i"
  "$LOCAL" restart "$i"
  sleep 10
done
"$LOCAL" shards

stamp "scale out: add node 3"
"$LOCAL" add
sleep 20 # the coordinator rebalances a few shards per round (every 10 s by default)
"$LOCAL" shards

stamp "scale in: node 1 leaves gracefully"
"$LOCAL" leave 1
sleep 10
"$LOCAL" shards

stamp "stop the load and count"
touch "$STOP"
set +e
wait "$counter_pid"
rc=$?
set -e
counter_pid=""
sleep 1
stamp "client exit code $rc (0: nothing lost, nothing duplicated)"
exit $rc
