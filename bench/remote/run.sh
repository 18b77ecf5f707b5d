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
# Uses the venv of Integration/remote-models (installed when missing) and the release binary
# (make build), or GLASSBOX=path.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
source "$root/Integration/remote-models/venv.sh"
bin=${GLASSBOX:-$root/.build/release/glassbox}
[ -x "$bin" ] || { echo "bench/remote: no binary at $bin; run 'make build' first" >&2; exit 1; }
ROWS=${ROWS:-200}
BATCH=${BATCH:-1000}
CONCURRENCY=${CONCURRENCY:-4}
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill -TERM -- "-$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$server" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$server" 2>/dev/null || true
  fi
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
  setsid "$venv/bin/mlserver" start "$work/models" > "$work/mlserver.log" 2>&1 &
server=$!
ready=0
for _ in $(seq 1 180); do curl -fs "http://127.0.0.1:$port/v2/models/adult-xgboost/ready" > /dev/null 2>&1 && { ready=1; break; }; sleep 1; done
[ "$ready" -eq 1 ] || { echo "bench/remote: MLServer not ready; log:" >&2; tail -20 "$work/mlserver.log" >&2; exit 1; }
url="http://127.0.0.1:$port/v2/models/adult-xgboost"

# CPU seconds of the server's process group (setsid made it the leader; its workers join it).
server_cpu() {
  local ticks=0 stat fields
  for stat in /proc/[0-9]*/stat; do
    fields=$(sed 's/^.*) //' "$stat" 2>/dev/null) || continue
    set -- $fields
    [ "${3:-}" = "$server" ] && ticks=$((ticks + ${12} + ${13}))
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
counts=$(tail -1 "$work/glassbox.err")
echo "$counts"

"$py" - "$url" "$BATCH" "$CONCURRENCY" "$wall" > "$work/load.txt" <<'PY'
import http.client, json, sys, threading, time, urllib.parse
url, batch, concurrency, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
# The first BATCH rows of the data, categories as the card's codes (what glassbox sends).
card = json.load(open("models/adult-xgboost.card.json"))
codes = [feature.get("labels") for feature in card["features"]]
rows = []
with open("datasets/adult.csv") as f:
    next(f)
    for line in f:
        if len(rows) >= batch: break
        cells = line.rstrip("\n").split(",")[:13]
        rows.append([None if c == "" else (labels[c] if labels else float(c)) for c, labels in zip(cells, codes)])
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
  -v batch="$BATCH" -v conc="$CONCURRENCY" -v counts="$counts" 'BEGIN {
  split(counts, w, " "); for (i in w) { if (w[i] == "distinct") sent = w[i - 1]; if (w[i] == "in") batches = w[i + 1] }
  g = (c1 - c0) / w1; l = (c2 - c1) / w2
  printf "batch %d rows (glassbox: %.0f distinct rows per batch on average), %d in flight\n", batch, sent / batches, conc
  printf "glassbox (Kernel SHAP): server busy %.2f CPU-s per s over %.1f s\n", g, w1
  printf "load generator:         server busy %.2f CPU-s per s over %.1f s (%d requests)\n", l, w2, n
  printf "ratio: %.2f\n", g / l
}'
awk -v c0="$c0" -v c1="$c1" -v c2="$c2" -v w1="$wall" -v w2="$load_wall" \
  'BEGIN { exit ((c1 - c0) / w1 >= 0.8 * (c2 - c1) / w2) ? 0 : 1 }' || { echo "bench/remote: below 0.8" >&2; exit 1; }
