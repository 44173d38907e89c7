#!/usr/bin/env bash
# Collaborative documents on one node: starts a Pulse node (embedded Cassandra, fresh data directory,
# a copy of the jar), runs DocumentSimulation RUNS times against it (one Gatling process), prints each
# run's report (target/document-<mode>.txt) and the CPU each process role used over the middle of
# the sending window. The node is stopped at the end, success or not. The first run on a fresh node is
# slower (JIT, Cassandra warming up): quote the later ones.
# Usage: bench/documents.sh RUNS [-Dprop=value ...]      (after: mvn -q -DskipTests install)
#   bench/documents.sh 3 -Dmode=editors -Dduration=60
#   bench/documents.sh 3 -Dmode=hot -Dstep=15
#   bench/documents.sh 2 -Dmode=many -Dduration=60
# The node's per-connection frame limit (50/s) is raised here: closed-loop editors (hot, many) send
# faster than any typist, and the figure is the document entity's, not the limiter's. PULSE_NODE_OPTS
# adds node JVM options after that (e.g. -Dpulse.documents.snapshot-every=…).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RUNS=${1:?runs}; shift
start_bench_node docs 28280 25920 19442 17400
ARGS=("$@")
MODE=$(prop mode editors)
case "$MODE" in
  hot) DURATION=$(( $(prop step 15) * $(prop steps 8,16,32,64,128,256 | tr ',' '\n' | wc -l) )); RAMP=$(prop ramp 20) ;;
  many) DURATION=$(prop duration 60); RAMP=$(prop ramp 40) ;;
  *) DURATION=$(prop duration 60); RAMP=$(prop ramp 20) ;;
esac
SETTLE=$(prop settle 5)
REPORT="$ROOT/load-tests/target/document-$MODE.txt"
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg); $*"
FAILED=0
for ((r=1; r<=RUNS; r++)); do
  rm -f "$REPORT"
  T0=$(date +%s)
  (cd "$ROOT" && exec timeout $(( RAMP + SETTLE + DURATION + 600 )) mvn -q -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.DocumentSimulation \
     -Dpulse.url="http://127.0.0.1:$PULSE_HTTP_PORT" -Drun="r$r$$" "$@" >"$WORK/gatling-$r.log" 2>&1) &
  GPIDS=($!)
  until pgrep -f io.gatling.app.Gatling >/dev/null || ! kill -0 ${GPIDS[0]} 2>/dev/null; do sleep 0.5; done
  sleep $(( RAMP + SETTLE + DURATION / 4 ))
  C0=$(cpu_by_role); S0=$(date +%s)
  sleep $(( DURATION / 2 ))
  C1=$(cpu_by_role); S1=$(date +%s)
  if ! wait "${GPIDS[0]}"; then echo "run $r: the simulation failed (log: $WORK/gatling-$r.log)"; FAILED=1; fi
  GPIDS=()
  echo "== run $r ($(( $(date +%s) - T0 )) s)"
  cat "$REPORT" 2>/dev/null || tail -30 "$WORK/gatling-$r.log"
  echo "cpu while sending ($(( S1 - S0 )) s): $(cpu_delta "$C0" "$C1" $(( S1 - S0 )))"
done
echo "logs: $WORK"
exit $FAILED
