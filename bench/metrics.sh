#!/usr/bin/env bash
# Live metrics on one node: starts a Pulse node (embedded Cassandra, fresh data directory, a copy of the
# jar), runs MetricsSimulation RUNS times against it, prints each run's report
# (load-tests/target/metrics-<series>-<dashboards>.txt), the machine's other heavy processes and load
# average before the run, and the CPU each process role used over the middle of the window. The node is
# stopped at the end, success or not. Every run writes the same tenant and series: quote the later runs, the
# first warms the node and admits the series (admission is one registry per metric name, serial).
# Usage: bench/metrics.sh RUNS [-Dprop=value ...]      (after: mvn -q -DskipTests package)
#   bench/metrics.sh 2 -Dseries=10000 -Dwriters=8 -Dbatch=1000 -Ddashboards=100
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RUNS=${1:?runs}; shift 1
# the node's own scrape would add a tenant's writes to the figures: off here
PULSE_NODE_OPTS="${PULSE_NODE_OPTS:-} -Dpulse.metrics.self-scrape.enabled=false"
start_bench_node metrics 28590 26230 19752 17710
ARGS=("$@")
DURATION=$(prop duration 30); RAMP=$(prop ramp 20); SETTLE=$(prop settle 5)
SERIES=$(prop series 10000); DASH=$(prop dashboards 100)
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); $*"
FAILED=0
for ((r=1; r<=RUNS; r++)); do
  bench_run "metrics run $r" io.pulse.load.MetricsSimulation '^metrics: run' "$ROOT/load-tests/target/metrics-$SERIES-$DASH.txt" \
    "$WORK/gatling-$r.log" -Drun="mx-$$" "$@"
done
echo "logs: $WORK"
exit $FAILED
