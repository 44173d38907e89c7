#!/usr/bin/env bash
# A local Pulse cluster on this machine: N nodes (default 3) on 127.0.0.1 and one shared embedded
# Cassandra in a process of its own (so every node, the seeds too, can be restarted). Node i has its
# own ports: HTTP 8080+i, cluster (Artery) 25520+i, Pekko Management 7626+i. State, logs and pids
# live under ./data/local-cluster.
#   cluster/local.sh start [N] [bootstrap]  start Cassandra and N nodes, wait until each is ready;
#                                  "bootstrap": form the cluster with Cluster Bootstrap (config
#                                  discovery of the management ports) instead of seed nodes
#   cluster/local.sh status        each node's pid, /ready, and the cluster as node 0 sees it
#   cluster/local.sh restart I     SIGTERM node I (it hands off its shards and leaves), start it again, wait ready
#   cluster/local.sh add           start one more node (the next index) and wait until it is ready
#   cluster/local.sh leave I       node I leaves gracefully (SIGTERM: shards hand off first) and stays stopped
#   cluster/local.sh shards        shards per node (all entity types), from /api/ops/cluster
#   cluster/local.sh stop          stop every node (SIGTERM, highest index first), then Cassandra
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${PULSE_CLUSTER_DIR:-$ROOT/data/local-cluster}
JAR=$ROOT/http/target/pulse-node.jar

profile() { cat "$RUN/profile" 2>/dev/null || echo local-cluster; }

start_cassandra() {
  if [ -f "$RUN/cassandra.pid" ] && kill -0 "$(cat "$RUN/cassandra.pid")" 2>/dev/null; then return 0; fi
  PULSE_CASSANDRA_DATA_DIR="$RUN/cassandra" nohup java -cp "$RUN/pulse-node.jar" io.pulse.persistence.cassandra.CassandraMain \
    >"$RUN/cassandra.log" 2>&1 </dev/null &
  echo $! >"$RUN/cassandra.pid"
  for _ in $(seq 1 240); do
    grep -q "cassandra ready" "$RUN/cassandra.log" 2>/dev/null && { echo "cassandra: pid $(cat "$RUN/cassandra.pid"), 127.0.0.1:9042"; return 0; }
    kill -0 "$(cat "$RUN/cassandra.pid")" 2>/dev/null || { echo "cassandra exited; see $RUN/cassandra.log" >&2; cat "$RUN/cassandra.log" >&2; return 1; }
    sleep 0.5
  done
  echo "cassandra not ready after 120 s; see $RUN/cassandra.log" >&2
  return 1
}

stop_cassandra() {
  local f="$RUN/cassandra.pid"
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "cassandra did not stop in 60 s: SIGKILL"; kill -KILL "$pid"; }
    echo "cassandra stopped"
  fi
  rm -f "$f"
}

start_node() { # index
  local i=$1
  local http=$((8080 + i)) remote=$((25520 + i)) mgmt=$((7626 + i))
  PULSE_HTTP_PORT=$http PULSE_REMOTE_PORT=$remote PULSE_MANAGEMENT_PORT=$mgmt PULSE_CASSANDRA_DATA_DIR="$RUN/cassandra" \
    nohup java @"$ROOT/jvm.options" -Dconfig.resource="$(profile).conf" -jar "$RUN/pulse-node.jar" \
    >>"$RUN/node-$i.log" 2>&1 </dev/null &
  echo $! >"$RUN/node-$i.pid"
  echo "node $i: pid $!, http://127.0.0.1:$http, cluster port $remote, management http://127.0.0.1:$mgmt, log $RUN/node-$i.log"
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
    local t0; t0=$(date +%s.%N)
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "node $1 did not stop in 60 s: SIGKILL"; kill -KILL "$pid"; }
    printf 'node %s stopped in %.1f s\n' "$1" "$(echo "$(date +%s.%N) - $t0" | bc)"
  fi
  rm -f "$f"
}

nodes() { # indexes of nodes with a pid file, ascending
  for f in "$RUN"/node-*.pid; do [ -f "$f" ] || continue; i=${f##*/node-}; echo "${i%.pid}"; done | sort -n
}

any_port() { # the HTTP port of a node that answers /ready
  for i in $(nodes); do curl -sf "http://127.0.0.1:$((8080 + i))/ready" >/dev/null && { echo $((8080 + i)); return 0; }; done
  return 1
}

shards() { # one line per member: address, status, shards and entities over all entity types
  local port; port=$(any_port) || { echo "no node answers"; return 1; }
  curl -s "http://127.0.0.1:$port/api/ops/cluster" | jq -r '.members[] | "\(.address) \(.status) shards=\(if .node then ([.node.shards[]] | add // 0) else "?" end) entities=\(if .node then ([.node.entities[]] | add // 0) else "?" end) connections=\(if .node then .node.connections else "?" end)"'
}

case "${1:-}" in
  start)
    n=${2:-3}
    [ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B -DskipTests package)
    mkdir -p "$RUN"
    # a copy, so that a build while the cluster runs cannot change the classes under it
    cp "$JAR" "$RUN/pulse-node.jar"
    if [ "${3:-}" = bootstrap ]; then echo local-cluster-bootstrap >"$RUN/profile"; else echo local-cluster >"$RUN/profile"; fi
    start_cassandra
    if [ "$(profile)" = local-cluster ]; then
      # the first seed joins itself; the others join it
      start_node 0
      await_ready 0
      for i in $(seq 1 $((n - 1))); do start_node "$i"; done
    else
      # with bootstrap no node is Up before two contact points answer: start them all at once
      for i in $(seq 0 $((n - 1))); do start_node "$i"; done
    fi
    for i in $(seq 0 $((n - 1))); do [ "$(profile)" = local-cluster ] && [ "$i" = 0 ] || await_ready "$i"; done
    ;;
  status)
    for i in $(nodes); do
      f="$RUN/node-$i.pid"
      ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((8080 + i))/ready" || true)
      echo "node $i: pid $(cat "$f") $(kill -0 "$(cat "$f")" 2>/dev/null && echo running || echo gone), /ready $ready"
    done
    shards || true
    ;;
  restart)
    i=${2:?restart which node index?}
    stop_node "$i"
    start_node "$i"
    await_ready "$i"
    ;;
  add)
    last=$(nodes | tail -1)
    i=$(( ${last:--1} + 1 ))
    start_node "$i"
    await_ready "$i"
    ;;
  leave)
    stop_node "${2:?leave which node index?}"
    ;;
  shards)
    shards
    ;;
  stop)
    for i in $(nodes | sort -rn); do stop_node "$i"; done
    stop_cassandra
    ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
