#!/usr/bin/env bash
# One hot auction on one node: starts a Pulse node (embedded Cassandra, fresh data directory, a copy
# of the jar), then for each bidder count in BIDDERS runs AuctionSimulation RUNS times against it (one
# Gatling process, a new auction each run), prints each run's report (target/auction-<bidders>.txt),
# the machine's other heavy processes and load average before the run, and the CPU each process role
# used over the middle of the window. The node is stopped at the end, success or not. The first run on
# a fresh node is slower (JIT, Cassandra warming up): quote the later ones.
# Usage: bench/auctions.sh RUNS "BIDDERS..." [-Dprop=value ...]      (after: mvn -q -DskipTests install)
#   bench/auctions.sh 3 "32 128" -Dduration=30
# Closed-loop bidders send faster than the node's per-connection frame limit (50/s): it is raised
# here, so the figure is the auction entity's. PULSE_NODE_OPTS adds node JVM options after that.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RUNS=${1:?runs}; BIDDERS=${2:?bidder counts, e.g. "32 128"}; shift 2
start_bench_node auction 28380 26020 19542 17500
ARGS=("$@")
DURATION=$(prop duration 30); RAMP=$(prop ramp 3); SETTLE=$(prop settle 5)
NODE_PIDS="$$ $NODE $(pgrep -P $NODE | tr '\n' ' ')"
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); $*"
FAILED=0
for B in $BIDDERS; do
  REPORT="$ROOT/load-tests/target/auction-$B.txt"
  for ((r=1; r<=RUNS; r++)); do
    rm -f "$REPORT"
    echo "== $B bidders, run $r, before it:"; others_running $NODE_PIDS $(pgrep -P $NODE | tr '\n' ' ')
    T0=$(date +%s)
    (cd "$ROOT" && exec timeout $(( RAMP + SETTLE + DURATION + 300 )) mvn -q -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.AuctionSimulation \
       -Dpulse.url="http://127.0.0.1:$PULSE_HTTP_PORT" -Drun="r$B-$r-$$" -Dbidders=$B "$@" >"$WORK/gatling-$B-$r.log" 2>&1) &
    GPIDS=($!)
    # the simulation's clock starts at its before(), which prints "auction: run …"
    until grep -q '^auction: run' "$WORK/gatling-$B-$r.log" 2>/dev/null || ! kill -0 ${GPIDS[0]} 2>/dev/null; do sleep 0.5; done
    sleep $(( RAMP + SETTLE + DURATION / 4 ))
    C0=$(cpu_by_role); S0=$(date +%s)
    sleep $(( DURATION / 2 ))
    C1=$(cpu_by_role); S1=$(date +%s)
    if ! wait "${GPIDS[0]}"; then echo "run $r: the simulation failed (log: $WORK/gatling-$B-$r.log)"; FAILED=1; fi
    GPIDS=()
    echo "== $B bidders, run $r ($(( $(date +%s) - T0 )) s), load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    cat "$REPORT" 2>/dev/null || tail -30 "$WORK/gatling-$B-$r.log"
    echo "cpu in mid-window ($(( S1 - S0 )) s): $(cpu_delta "$C0" "$C1" $(( S1 - S0 )))"
  done
done
echo "logs: $WORK"
exit $FAILED
