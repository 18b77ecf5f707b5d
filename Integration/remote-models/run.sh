#!/usr/bin/env bash
# Integration suite: glassbox explaining models behind real servers (issue #14).
#   - a venv from PyPI, every package pinned in requirements.txt, wheels only, cached under
#     ${XDG_CACHE_HOME:-~/.cache}/glassbox-integration/ keyed by the requirements' hash;
#   - the example scikit-learn pipeline (examples/models/train_pipeline.py);
#   - MLServer (scikit-learn runtime serving the pipeline with the pandas codec; XGBoost
#     runtime serving models/adult-xgboost.json) and `mlflow models serve`, on 127.0.0.1;
#   - the pipeline explained through MLServer and MLflow equals the same through its command
#     (predict.py): every value travels as a float64 both ways, so they must be identical;
#   - transparency: the XGBoost model served by MLServer (float32 probabilities) and by a
#     command (xgboost_command.py, float32 margins) gives the exact Shapley values and Kernel
#     SHAP values of the local file, within bounds derived from the transport's float32
#     rounding (check_transparency.py derives them).
# Stops only the processes it started (each server in its own process group).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
here=$root/Integration/remote-models
glassbox=${GLASSBOX:-$root/.build/debug/glassbox}
[ -x "$glassbox" ] || { echo "remote-models: no binary at $glassbox; run 'make build' first" >&2; exit 1; }
started=$(date +%s)

source "$here/venv.sh"
py=$venv/bin/python
export OMP_NUM_THREADS=1

work=$(mktemp -d /tmp/glassbox-remote.XXXXXX)
groups=()
cleanup() {
  local group
  for group in "${groups[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for group in "${groups[@]}"; do kill -0 -- "-$group" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for group in "${groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

"$py" examples/models/train_pipeline.py
"$py" "$here/prepare_servers.py" "$work"
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mlserver_port=$(free_port)
mlflow_port=$(free_port)
# setsid: each server leads its own process group, so its workers stop with it.
MLSERVER_HOST=127.0.0.1 MLSERVER_HTTP_PORT=$mlserver_port MLSERVER_GRPC_PORT=0 MLSERVER_METRICS_ENDPOINT= \
  setsid "$venv/bin/mlserver" start "$work/mlserver" > "$work/mlserver.log" 2>&1 &
groups+=($!)
PATH=$venv/bin:$PATH setsid "$venv/bin/mlflow" models serve -m "$work/mlflow-model" -h 127.0.0.1 -p "$mlflow_port" \
  --env-manager local > "$work/mlflow.log" 2>&1 &
groups+=($!)
wait_ready() {
  for _ in $(seq 1 180); do
    if curl -fs "$1" > /dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "remote-models: $1 not ready after 180 s; log:" >&2; tail -20 "$2" >&2; return 1
}
wait_ready "http://127.0.0.1:$mlserver_port/v2/models/adult-pipeline/ready" "$work/mlserver.log"
wait_ready "http://127.0.0.1:$mlserver_port/v2/models/adult-xgboost/ready" "$work/mlserver.log"
wait_ready "http://127.0.0.1:$mlflow_port/ping" "$work/mlflow.log"
echo "remote-models: servers ready after $(( $(date +%s) - started )) s (MLServer :$mlserver_port, MLflow :$mlflow_port)"

head -21 datasets/adult.csv > "$work/bg.csv"
mlserver=http://127.0.0.1:$mlserver_port/v2/models
"$glassbox" inspect --model-url "$mlserver/adult-pipeline" --card examples/models/adult-pipeline.card.json

# The pipeline through the command, MLServer (one input per column) and MLflow.
pipeline=(--card examples/models/adult-pipeline.card.json --background "$work/bg.csv" --data datasets/adult.csv
  --rows 0-2 --format json --quiet)
"$glassbox" explain --model-command "$py examples/models/predict.py examples/models/adult-pipeline.joblib" \
  "${pipeline[@]}" > "$work/pipeline-command.jsonl"
"$glassbox" explain --model-url "$mlserver/adult-pipeline" "${pipeline[@]}" > "$work/pipeline-mlserver.jsonl"
"$glassbox" explain --model-url "http://127.0.0.1:$mlflow_port/invocations" "${pipeline[@]}" > "$work/pipeline-mlflow.jsonl"

# The XGBoost model: the local file, MLServer's XGBoost runtime, a command; exact and Kernel SHAP.
xgboost=(--data datasets/adult.csv --rows 0-4 --format json --quiet --background "$work/bg.csv" --seed 7)
card=models/adult-xgboost.card.json
for method in exact kernel; do
  extra=()
  [ "$method" = kernel ] && extra=(--samples 256)
  "$glassbox" explain --model models/adult-xgboost.json --method "$method" "${extra[@]}" "${xgboost[@]}" \
    > "$work/xgb-local-$method.jsonl"
  "$glassbox" explain --model-url "$mlserver/adult-xgboost" --card "$card" --layout tensor --method "$method" \
    "${extra[@]}" "${xgboost[@]}" > "$work/xgb-mlserver-$method.jsonl"
  "$glassbox" explain --model-command "$py $here/xgboost_command.py models/adult-xgboost.json $card" --card "$card" \
    --output-kind margin --method "$method" "${extra[@]}" "${xgboost[@]}" > "$work/xgb-command-$method.jsonl"
  # The witness: the same explanation of what the float32 transport adds to each answer.
  "$glassbox" explain --model-command "$py $here/xgboost_command.py models/adult-xgboost.json $card transport-error $work/delta-$method.txt" \
    --card "$card" --output-kind value --method "$method" "${extra[@]}" "${xgboost[@]}" > "$work/xgb-error-$method.jsonl"
done

# A query in the URL goes with every request (MLServer ignores it) and changes nothing.
"$glassbox" explain --model-url "$mlserver/adult-xgboost/infer?source=glassbox-integration" --card "$card" \
  --layout tensor --method exact "${xgboost[@]}" > "$work/xgb-mlserver-query.jsonl"
if ! cmp -s <(grep -v '^{"model_calls"' "$work/xgb-mlserver-exact.jsonl") \
  <(grep -v '^{"model_calls"' "$work/xgb-mlserver-query.jsonl"); then
  echo "remote-models: a URL with a query explained differently" >&2
  exit 1
fi
if grep -q glassbox-integration "$work/xgb-mlserver-query.jsonl"; then
  echo "remote-models: the URL's query appears in the output" >&2
  exit 1
fi

"$py" "$here/check_transparency.py" "$work"
echo "remote-models: passed in $(( $(date +%s) - started )) s"
