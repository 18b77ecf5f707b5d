#!/usr/bin/env bash
# How busy glassbox keeps a model server, against a plain load generator.
#
# Starts MLServer (XGBoost runtime, models/adult-xgboost.json) on 127.0.0.1, then in one run:
#   1. glassbox explain --model-url ... --method kernel over ROWS rows, batches of BATCH rows,
#      CONCURRENCY requests in flight;
#   2. a load generator (Python threads, keep-alive connections) sending batches of the same
#      size with the same concurrency for the same wall time.
# The server's busy-ness is its processes' CPU seconds (utime + stime from /proc, the server
# and its workers) per wall second. Prints both and their ratio; the issue asks >= 0.8.
# Needs the venv of Integration/remote-models (REMOTE_MODELS_VENV) and make build.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
venv=${REMOTE_MODELS_VENV:-$root/.venv-remote-integration}
bin=$root/.build/release/glassbox
ROWS=${ROWS:-200}
BATCH=${BATCH:-1000}
CONCURRENCY=${CONCURRENCY:-4}
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
py=$venv/bin/python
mkdir -p "$work/models/adult-xgboost"
cp models/adult-xgboost.json "$work/models/adult-xgboost/model.json"
echo '{"name":"adult-xgboost","implementation":"mlserver_xgboost.XGBoostModel","parameters":{"uri":"./model.json"}}' \
  > "$work/models/adult-xgboost/model-settings.json"
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
OMP_NUM_THREADS=1 MLSERVER_HOST=127.0.0.1 MLSERVER_HTTP_PORT=$port MLSERVER_GRPC_PORT=0 MLSERVER_METRICS_ENDPOINT= \
  "$venv/bin/mlserver" start "$work/models" > "$work/mlserver.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/v2/models/adult-xgboost/ready" > /dev/null 2>&1 && break; sleep 1; done
url="http://127.0.0.1:$port/v2/models/adult-xgboost"

# CPU seconds of the server and all its descendants.
server_cpu() {
  local pids=("$server") frontier=("$server") next
  while [ ${#frontier[@]} -gt 0 ]; do
    next=()
    for p in "${frontier[@]}"; do
      for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do next+=("$c"); pids+=("$c"); done
    done
    frontier=("${next[@]}")
  done
  local ticks=0
  for p in "${pids[@]}"; do
    if [ -r /proc/"$p"/stat ]; then
      set -- $(sed 's/^.*) //' /proc/"$p"/stat)
      ticks=$((ticks + ${12} + ${13}))
    fi
  done
  echo "$ticks $(getconf CLK_TCK)" | awk '{printf "%.3f", $1 / $2}'
}
now() { date +%s.%N; }

head -21 datasets/adult.csv > "$work/bg.csv"
c0=$(server_cpu); t0=$(now)
"$bin" explain --model-url "$url" --card models/adult-xgboost.card.json --layout tensor --method kernel \
  --background "$work/bg.csv" --data datasets/adult.csv --rows "0-$((ROWS - 1))" --format json \
  --batch-rows "$BATCH" --concurrency "$CONCURRENCY" > /dev/null 2> "$work/glassbox.err"
t1=$(now); c1=$(server_cpu)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
tail -1 "$work/glassbox.err"

"$py" - "$url" "$BATCH" "$CONCURRENCY" "$wall" > "$work/load.txt" <<'PY'
import http.client, json, sys, threading, time, urllib.parse
url, batch, concurrency, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rows = []
with open("datasets/adult.csv") as f:
    next(f)
    for line in f:
        if len(rows) >= batch: break
        rows.append([float(len(cell)) for cell in line.strip().split(",")[:13]])
body = json.dumps({"inputs": [{"name": "input-0", "shape": [batch, 13], "datatype": "FP64",
                               "data": [v for r in rows for v in r]}]})
parts = urllib.parse.urlparse(url)
stop = time.monotonic() + seconds
sent = [0] * concurrency
def worker(i):
    connection = http.client.HTTPConnection(parts.hostname, parts.port)
    while time.monotonic() < stop:
        connection.request("POST", parts.path + "/infer", body, {"Content-Type": "application/json"})
        connection.getresponse().read()
        sent[i] += 1
threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
for t in threads: t.start()
for t in threads: t.join()
print(sum(sent))
PY
c2=$(server_cpu); t2=$(now)
load_wall=$(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.3f", b - a}')
awk -v c0="$c0" -v c1="$c1" -v c2="$c2" -v w1="$wall" -v w2="$load_wall" -v n="$(cat "$work/load.txt")" \
  -v batch="$BATCH" -v conc="$CONCURRENCY" 'BEGIN {
  g = (c1 - c0) / w1; l = (c2 - c1) / w2
  printf "batch %d rows, %d in flight\n", batch, conc
  printf "glassbox (Kernel SHAP): server busy %.2f CPU-s per s over %.1f s\n", g, w1
  printf "load generator:         server busy %.2f CPU-s per s over %.1f s (%d requests)\n", l, w2, n
  printf "ratio: %.2f\n", g / l
}'
