#!/usr/bin/env bash
# Alert rule evaluation on one node: starts a Pulse node (embedded Cassandra, fresh data directory, a copy of
# the jar) whose rules read tenant bench-alerts, keeps HOSTS metric series bench_load{host=...} written (one
# sample each every 5 s), defines RULES rules over them (interval INTERVAL, each `max(bench_load{host="hK"}[1m])`,
# even rules with a threshold below the value so half fire, odd ones above it), all notifying a one-file local
# webhook sink; then, WINDOW seconds after the last rule is defined, measures for another WINDOW seconds: the
# evaluation lag (pulse_alert_evaluation_lag_seconds from /metrics, the difference of two scrapes: p50/p99
# interpolated in its buckets as histogram_quantile does), the evaluations per second against the
# RULES/INTERVAL the schedule asks for, and the CPU of each process role. Stops the node and the sink at the end.
# Usage: bench/alert-rules.sh [RULES] [INTERVAL_S] [WINDOW_S] [HOSTS]     (after: mvn -q -DskipTests package)
#   bench/alert-rules.sh 10000 10 60 10
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RULES=${1:-10000}; INTERVAL=${2:-10}; WINDOW=${3:-60}; HOSTS=${4:-10}
TENANT=bench-alerts SECRET=bench-alerts-webhook-secret SINK_PORT=28791
# the node's own scrape would be a second tenant's writes beside the bench's: off here
PULSE_NODE_OPTS="${PULSE_NODE_OPTS:-} -Dpulse.metrics.self-scrape.enabled=false -Dpulse.alerting.metrics-tenant=$TENANT \
 -Dpulse.alerting.receivers.sink.url=http://127.0.0.1:$SINK_PORT/hook -Dpulse.alerting.receivers.sink.secret=$SECRET"

# the webhook sink: answers 200 to every POST and counts them (the count is printed at the end)
SINK_LOG=$(mktemp /tmp/pulse-alert-sink.XXXXXX)
python3 - "$SINK_PORT" >"$SINK_LOG" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
        H.n += 1; print(H.n, flush=True)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
SINK=$!
WRITER=""
cleanup() {
  [ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null || true
  kill "$SINK" 2>/dev/null || true
  stop_bench_node
}
start_bench_node alert-rules 28790 26430 19952 17910 || { kill "$SINK"; exit 1; }
trap cleanup EXIT
URL=http://127.0.0.1:$PULSE_HTTP_PORT
TOKEN=$(curl -sf -X POST -H 'Content-Type: application/json' -d "{\"userId\":\"$TENANT\"}" "$URL/api/dev/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); rules=$RULES interval=${INTERVAL}s window=${WINDOW}s hosts=$HOSTS"

write_samples() { # every host at value 50; rules compare against 10 (fire) or 90 (do not)
  local body="" h now; now=$(date +%s%3N)
  for ((h=0; h<HOSTS; h++)); do body+="bench_load{host=\"h$h\"} 50 $now"$'\n'; done
  curl -sf -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain; version=0.0.4' --data-binary "$body" "$URL/api/metrics/write"
}
write_samples
(while sleep 5; do write_samples || true; done) &
WRITER=$!

echo "== defining $RULES rules, before it:"; others_running $$ $NODE $(pgrep -P $NODE | tr '\n' ' ')
t0=$(date +%s)
python3 - "$URL" "$TOKEN" "$RULES" "$INTERVAL" "$HOSTS" <<'PY'
import http.client, json, sys, threading, urllib.parse
url, token, rules, interval, hosts = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
u = urllib.parse.urlparse(url); failed = []; lock = threading.Lock(); nxt = [0]
def work():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    while True:
        with lock:
            i = nxt[0]; nxt[0] += 1
        if i >= rules: return
        body = json.dumps({"query": 'max(bench_load{host="h%d"}[1m])' % (i % hosts), "comparison": ">",
                           "threshold": 10 if i % 2 == 0 else 90, "interval": interval + "s", "receiver": "sink"})
        c.request("PUT", "/api/alerts/rules/bench-%05d" % i, body, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = c.getresponse(); text = r.read()
        if r.status != 200: failed.append((i, r.status, text[:200]))
ts = [threading.Thread(target=work) for _ in range(16)]
[t.start() for t in ts]; [t.join() for t in ts]
print("rules defined: %d, failed: %d %s" % (rules - len(failed), len(failed), failed[:3]))
PY
echo "defining took $(( $(date +%s) - t0 )) s; settling ${WINDOW} s"
sleep "$WINDOW"

echo "== measuring ${WINDOW} s, before it:"; others_running $$ $NODE $(pgrep -P $NODE | tr '\n' ' ')
m0=$(curl -sf "$URL/metrics" | grep '^pulse_alert_evaluation_lag_seconds'); c0=$(cpu_by_role); s0=$(date +%s)
sleep "$WINDOW"
m1=$(curl -sf "$URL/metrics" | grep '^pulse_alert_evaluation_lag_seconds'); c1=$(cpu_by_role); s1=$(date +%s)
python3 - "$(( s1 - s0 ))" "$RULES" "$INTERVAL" <(echo "$m0") <(echo "$m1") <<'PY'
import re, sys
secs, rules, interval = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
def read(path):
    b, n = {}, 0.0
    for line in open(path):
        m = re.match(r'pulse_alert_evaluation_lag_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
        if m: b[float(m.group(1))] = float(m.group(2))
        m = re.match(r'pulse_alert_evaluation_lag_seconds_count(?:\{\})? (\S+)', line)
        if m: n = float(m.group(1))
    return b, n
(b0, n0), (b1, n1) = read(sys.argv[4]), read(sys.argv[5])
les = sorted(b1); cum = [b1[l] - b0.get(l, 0) for l in les]; total = n1 - n0
def q(p):  # as histogram_quantile: linear within the bucket that holds the rank
    if total <= 0: return float("nan")
    rank, lo, below = p * total, 0.0, 0.0
    for le, c in zip(les, cum):
        if c >= rank:
            if le == float("inf"): return lo
            return lo + (le - lo) * ((rank - below) / (c - below) if c > below else 1)
        lo, below = le, c
    return lo
print("evaluations: %.0f in %d s = %.0f/s (the schedule asks %.0f/s)" % (total, secs, total / secs, rules / interval))
print("evaluation lag: p50 %.1f ms, p99 %.1f ms (buckets: %s)" % (q(0.5) * 1e3, q(0.99) * 1e3,
      " ".join("le%s=%.0f" % (("%g" % l) if l != float("inf") else "+Inf", c) for l, c in zip(les, cum))))
PY
echo "cpu in the window ($(( s1 - s0 )) s): $(cpu_delta "$c0" "$c1" $(( s1 - s0 )))"
echo "a firing rule: $(curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/alerts/rules/bench-00000" | python3 -c 'import json,sys; v=json.load(sys.stdin); print({k: v[k] for k in ("lastEvaluatedAt","nextEvaluationAt","lastLagMs","lastError")}, [a["status"] for a in v["alerts"]])')"
echo "webhook posts received: $(tail -1 "$SINK_LOG" 2>/dev/null || echo 0); node log: $WORK/node.log"
