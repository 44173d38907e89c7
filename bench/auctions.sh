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
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); $*"
FAILED=0
for B in $BIDDERS; do
  for ((r=1; r<=RUNS; r++)); do
    # the simulation's clock starts at its before(), which prints "auction: run …"
    bench_run "$B bidders, run $r" io.pulse.load.AuctionSimulation '^auction: run' "$ROOT/load-tests/target/auction-$B.txt" \
      "$WORK/gatling-$B-$r.log" -Drun="r$B-$r-$$" -Dbidders=$B "$@"
  done
done
echo "logs: $WORK"
exit $FAILED
