#!/usr/bin/env bash
# Time from a CloudTrail delivery file landing in a watched folder to the
# finding's webhook request: `vigil serve` (poll interval 1 s) with one
# webhook route, and a receiver that timestamps each request.
# Usage: bench/notify-latency.sh [RUNS]   (GuardDuty: about 5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-6}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/vigil" ./cmd/vigil
port_hook=$((20000 + RANDOM % 20000)); port_vigil=$((port_hook + 1))
cat > "$work/recv.py" <<PY
import http.server, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        print("%.3f" % time.time(), flush=True)
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', $port_hook), H).serve_forever()
PY
python3 "$work/recv.py" > "$work/recv.log" &
cat > "$work/vigil.yaml" <<YAML
notify:
  destinations: [{name: hook, type: webhook, url: "http://127.0.0.1:$port_hook/h"}]
  routes: [{name: all, destination: hook}]
YAML
mkdir "$work/logs"
"$work/vigil" serve --config "$work/vigil.yaml" --data-dir "$work/data" --watch "$work/logs" \
  --poll-interval 1s --listen "127.0.0.1:$port_vigil" 2> "$work/serve.log" &
sleep 3
for i in $(seq "$runs"); do
  "$work/vigil" simulate --out "$work/sim$i" --events 200 --accounts 1 --seed $((100 + i)) \
    --attack Policy:IAMUser/RootCredentialUsage --flows 0 --dns 0 > /dev/null 2>&1
  before=$(wc -l < "$work/recv.log")
  t0=$(date +%s.%N)
  mkdir "$work/logs/s$i" && cp -r "$work/sim$i/AWSLogs" "$work/logs/s$i/"
  for _ in $(seq 500); do sleep 0.02; [ "$(wc -l < "$work/recv.log")" -gt "$before" ] && break; done
  t1=$(tail -1 "$work/recv.log")
  python3 -c "print('run $i: file to webhook %.2f s' % ($t1 - $t0))"
done
