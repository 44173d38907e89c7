#!/usr/bin/env bash
# One hot instrument on one node: starts a Pulse node (embedded Cassandra, fresh data directory, a
# copy of the jar), then for each maxRate in MAXRATES (0: every book change) runs MarketSimulation
# RUNS times against it (one Gatling process), prints each run's report
# (target/market-<subscribers>-<maxRate>.txt), the machine's other heavy processes and load average
# before the run, and the CPU each process role used over the middle of the window. The node is
# stopped at the end, success or not. Quote the later runs: the first warms the node.
# Usage: bench/markets.sh RUNS "MAXRATES..." [-Dprop=value ...]      (after: mvn -q -DskipTests package)
#   bench/markets.sh 2 "0 10" -Dsubscribers=5000 -Drate=2000
#   bench/markets.sh 3 0 -Dsubscribers=0 -Drate=0 -Dtraders=32        # durable orders/s alone
# Traders send faster than the node's per-connection frame limit (50/s): it is raised here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RUNS=${1:?runs}; RATES=${2:?maxRate values, e.g. "0 10"}; shift 2
start_bench_node market 28580 26220 19742 17700
ARGS=("$@")
DURATION=$(prop duration 30); RAMP=$(prop ramp 30); SETTLE=$(prop settle 5)
SUBS=$(prop subscribers 5000)
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); $*"
FAILED=0
for M in $RATES; do
  for ((r=1; r<=RUNS; r++)); do
    bench_run "maxRate $M, run $r" io.pulse.load.MarketSimulation '^market: run' "$ROOT/load-tests/target/market-$SUBS-$M.txt" \
      "$WORK/gatling-$M-$r.log" -Drun="m$M-$r-$$" -DmaxRate=$M "$@"
  done
done
echo "logs: $WORK"
exit $FAILED
