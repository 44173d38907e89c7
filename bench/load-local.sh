#!/usr/bin/env bash
# Runs one Gatling simulation against a Pulse node that this script starts itself (embedded Cassandra
# in a fresh temp directory, ports away from the defaults) and stops afterwards, success or not.
# Usage: bench/load-local.sh SimulationName [-Dprop=value ...]      e.g.
#   bench/load-local.sh ConnectionCapacitySimulation -Dusers=2000 -Dramp=30 -Dhold=60
#   bench/load-local.sh ChatSimulation -Dgroups=50 -Dduration=30
# The HTML report lands under load-tests/target/gatling/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIM=${1:?simulation class name, e.g. ConnectionCapacitySimulation}; shift
[ -f "$ROOT/http/target/pulse-node.jar" ] || (cd "$ROOT" && mvn -q -B -DskipTests install)
WORK=$(mktemp -d /tmp/pulse-load.XXXXXX)
export PULSE_HTTP_PORT=${PULSE_HTTP_PORT:-18180} PULSE_REMOTE_PORT=${PULSE_REMOTE_PORT:-25620}
export PULSE_CASSANDRA_PORT=${PULSE_CASSANDRA_PORT:-19142} PULSE_CASSANDRA_STORAGE_PORT=${PULSE_CASSANDRA_STORAGE_PORT:-17100}
export PULSE_CASSANDRA_DATA_DIR=$WORK/data/cassandra
# a copy, so that a build during the run cannot change the classes under the running node
cp "$ROOT/http/target/pulse-node.jar" "$WORK/pulse-node.jar"
(cd "$WORK" && exec java @"$ROOT/jvm.options" -jar "$WORK/pulse-node.jar" >"$WORK/node.log" 2>&1) &
NODE=$!
# keeps the simulation's exit status: the node ends with 143 on SIGTERM, which set -e would make ours
trap 'rc=$?; kill $NODE 2>/dev/null; wait $NODE 2>/dev/null || true; echo "node log: $WORK/node.log"; exit $rc' EXIT
until curl -sf "http://127.0.0.1:$PULSE_HTTP_PORT/ready" >/dev/null; do
  kill -0 $NODE 2>/dev/null || { echo "the node did not start; see $WORK/node.log" >&2; exit 1; }
  sleep 0.5
done
cd "$ROOT" && mvn -q -pl load-tests gatling:test -Dgatling.simulationClass="io.pulse.load.$SIM" \
  -Dpulse.url="http://127.0.0.1:$PULSE_HTTP_PORT" "$@"
