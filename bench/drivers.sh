#!/usr/bin/env bash
# Ride-hailing location on one node (issue 20's figures): starts a Pulse node (embedded Cassandra,
# fresh data directory, a copy of the jar, fixes persisted at most every 300 s), then runs
# DriverSimulation RUNS times against it and prints each report (target/drivers-<fleets>x<perFleet>.txt),
# what else ran on the machine, and the CPU each process role used over the middle of the window.
#   fixes:  200 fleets x 500 drivers, each driver's fix every 4 s (25,000 fixes/s offered), 50 watchers
#   nearby: the same 100,000 drivers send one fix each and stay indexed (offline-after raised), then 50
#           searchers send driver.nearby in a closed loop; then, as the baseline in the same run, a
#           Redis server on loopback (Debian's redis-server, if installed) holds the same number of
#           points and redis-benchmark sends GEOSEARCH BYRADIUS ... COUNT 10 from 50 clients.
# Usage: bench/drivers.sh fixes|nearby RUNS [-Dprop=value ...]      (after: mvn -q -DskipTests package)
#   bench/drivers.sh fixes 2
#   bench/drivers.sh nearby 2 -Dradius=1000
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
MODE=${1:?fixes or nearby}; RUNS=${2:?runs}; shift 2
NODE_OPTS="-Dpulse.drivers.persist-every=300s"
case "$MODE" in
  fixes) SIM_ARGS=(-DfixEvery=4 -Dwatchers=50 -Dsearchers=0) ;;
  nearby) SIM_ARGS=(-DfixEvery=0 -Dwatchers=0 -Dsearchers=50)
          NODE_OPTS="$NODE_OPTS -Dpulse.drivers.offline-after=3600s -Dpulse.drivers.cells.entry-ttl=3600s" ;;
  *) echo "mode: fixes or nearby" >&2; exit 2 ;;
esac
PULSE_NODE_OPTS="$NODE_OPTS ${PULSE_NODE_OPTS:-}" start_bench_node drivers 28680 26320 19842 17800
ARGS=("${SIM_ARGS[@]}" "$@")
DURATION=$(prop duration 60); RAMP=$(prop ramp 60); SETTLE=$(prop settle 10)
FLEETS=$(prop fleets 200); PER=$(prop perFleet 500); AREA=$(prop areaKm 30); RADIUS=$(prop radius 1000)
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); $MODE ${ARGS[*]}"
FAILED=0
for ((r=1; r<=RUNS; r++)); do
  bench_run "$MODE, run $r" io.pulse.load.DriverSimulation '^drivers: run' "$ROOT/load-tests/target/drivers-${FLEETS}x$PER.txt" \
    "$WORK/gatling-$r.log" -Drun="d$r$$" "${ARGS[@]}"
done
if [ "$MODE" = nearby ]; then
  if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
    REDIS_PORT=16379
    redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
    REDIS=$!
    trap 'kill $REDIS 2>/dev/null || true; stop_bench_node' EXIT
    until redis-cli -p $REDIS_PORT ping >/dev/null 2>&1; do sleep 0.2; done
    # the same square as the simulation's drivers: AREA km from (52.52, 13.405) north and east
    awk -v n=$((FLEETS * PER)) -v area="$AREA" 'BEGIN { srand(7); for (i = 0; i < n; i++) {
        lat = 52.52 + rand() * area * 1000 / 111320; lng = 13.405 + rand() * area * 1000 / (111320 * cos(52.52 * 3.14159265 / 180));
        printf "GEOADD drivers %.6f %.6f d%d\n", lng, lat, i } }' | redis-cli -p $REDIS_PORT --pipe >/dev/null
    echo "== redis baseline: $(redis-cli -p $REDIS_PORT zcard drivers) points, $(redis-server --version | cut -d' ' -f3)"
    for ((r=1; r<=RUNS; r++)); do
      # a point in the middle of the square, where the drivers are as dense as anywhere
      C_LAT=$(awk -v a="$AREA" 'BEGIN { printf "%.6f", 52.52 + a * 500 / 111320 }')
      C_LNG=$(awk -v a="$AREA" 'BEGIN { printf "%.6f", 13.405 + a * 500 / (111320 * cos(52.52 * 3.14159265 / 180)) }')
      redis-benchmark -p $REDIS_PORT -c 50 -n 200000 -q GEOSEARCH drivers FROMLONLAT "$C_LNG" "$C_LAT" BYRADIUS "$RADIUS" m ASC COUNT 10 | tr '\r' '\n' | tail -2
    done
    kill $REDIS; wait $REDIS 2>/dev/null || true
    trap stop_bench_node EXIT
  else
    echo "no redis-server/redis-benchmark here (Debian package redis-server): no baseline measured"
  fi
fi
echo "logs: $WORK"
exit $FAILED
