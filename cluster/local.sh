#!/usr/bin/env bash
# A local Pulse cluster on this machine: N nodes (default 3) on 127.0.0.1, one shared embedded
# Cassandra (the first node starts it, the others find it listening), each node with its own ports:
# HTTP 8080+i, cluster (Artery) 25520+i. State, logs and pids live under ./data/local-cluster.
#   cluster/local.sh start [N]    start N nodes and wait until each is ready
#   cluster/local.sh status       each node's pid and /ready
#   cluster/local.sh stop         stop the nodes (SIGTERM: each hands off its shards and leaves), the
#                                 one that started Cassandra last
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${PULSE_CLUSTER_DIR:-$ROOT/data/local-cluster}
JAR=$ROOT/http/target/pulse-node.jar

start_node() { # index
  local i=$1
  local http=$((8080 + i)) remote=$((25520 + i))
  PULSE_HTTP_PORT=$http PULSE_REMOTE_PORT=$remote PULSE_CASSANDRA_DATA_DIR="$RUN/cassandra" \
    nohup java @"$ROOT/jvm.options" -Dconfig.resource=local-cluster.conf -jar "$RUN/pulse-node.jar" \
    >"$RUN/node-$i.log" 2>&1 </dev/null &
  echo $! >"$RUN/node-$i.pid"
  echo "node $i: pid $!, http://127.0.0.1:$http, cluster port $remote, log $RUN/node-$i.log"
}

await_ready() { # index
  local i=$1 pid; pid=$(cat "$RUN/node-$i.pid")
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$((8080 + i))/ready" >/dev/null && { echo "node $i ready"; return 0; }
    kill -0 "$pid" 2>/dev/null || { echo "node $i exited; see $RUN/node-$i.log" >&2; return 1; }
    sleep 0.5
  done
  echo "node $i not ready after 120 s; see $RUN/node-$i.log" >&2
  return 1
}

stop_node() { # index
  local f="$RUN/node-$1.pid"
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "node $1 did not stop in 60 s: SIGKILL"; kill -KILL "$pid"; }
    echo "node $1 stopped"
  fi
  rm -f "$f"
}

case "${1:-}" in
  start)
    n=${2:-3}
    [ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B -DskipTests install)
    mkdir -p "$RUN"
    # a copy, so that a build while the cluster runs cannot change the classes under it
    cp "$JAR" "$RUN/pulse-node.jar"
    echo "$n" >"$RUN/size"
    # the first node (a seed) starts Cassandra; the others start once it answers
    start_node 0
    await_ready 0
    for i in $(seq 1 $((n - 1))); do start_node "$i"; done
    for i in $(seq 1 $((n - 1))); do await_ready "$i"; done
    ;;
  status)
    for f in "$RUN"/node-*.pid; do
      [ -f "$f" ] || continue
      i=${f##*/node-}; i=${i%.pid}
      ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((8080 + i))/ready" || true)
      echo "node $i: pid $(cat "$f") $(kill -0 "$(cat "$f")" 2>/dev/null && echo running || echo gone), /ready $ready"
    done
    ;;
  stop)
    n=$(cat "$RUN/size" 2>/dev/null || echo 3)
    for i in $(seq $((n - 1)) -1 1); do stop_node "$i"; done
    stop_node 0 # last: it stops the Cassandra it started
    ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
