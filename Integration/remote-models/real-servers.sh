#!/usr/bin/env bash
# Integration suite: glassbox explaining models behind real servers.
#   - a venv from PyPI (versions that run together here, docs in /work/shared: uvloop 0.21.0);
#   - the example scikit-learn pipeline (examples/models/train_pipeline.py);
#   - MLServer (sklearn runtime for the pipeline, pandas codec; xgboost runtime for
#     models/adult-xgboost.json) and `mlflow models serve`, all on 127.0.0.1;
#   - explanations through each equal those through the command (predict.py), and Kernel SHAP
#     and exact Shapley values through MLServer's XGBoost runtime equal those on the local
#     model file to float32 transport rounding (1e-4 absolute on log-odds attributions).
# Stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
work=$(mktemp -d)
venv=${REMOTE_MODELS_VENV:-$root/.venv-remote-integration}
bin=$root/.build/release/glassbox
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

[ -x "$bin" ] || { echo "remote-models: build glassbox first (make build)" >&2; exit 1; }
if [ ! -x "$venv/bin/mlserver" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q mlserver==1.7.1 mlserver-sklearn==1.7.1 mlserver-xgboost==1.7.1 mlflow==3.17.2 \
    scikit-learn==1.9.1 xgboost==3.2.0 pandas==3.1.1 numpy==2.4.6 joblib==1.6.0 uvloop==0.21.0
fi
export OMP_NUM_THREADS=1
py=$venv/bin/python

"$py" examples/models/train_pipeline.py
mkdir -p "$work/mlserver/adult-pipeline" "$work/mlserver/adult-xgboost"
"$py" - "$work" <<'PY'
import json, sys, joblib, mlflow.sklearn
work = sys.argv[1]
pipeline = joblib.load("examples/models/adult-pipeline.joblib")["pipeline"]
joblib.dump(pipeline, f"{work}/mlserver/adult-pipeline/model.joblib")
json.dump({"name": "adult-pipeline", "implementation": "mlserver_sklearn.SKLearnModel",
           "parameters": {"uri": "./model.joblib", "content_type": "pd", "extra": {"predict_fn": "predict_proba"}}},
          open(f"{work}/mlserver/adult-pipeline/model-settings.json", "w"))
json.dump({"name": "adult-xgboost", "implementation": "mlserver_xgboost.XGBoostModel",
           "parameters": {"uri": "./model.json"}},
          open(f"{work}/mlserver/adult-xgboost/model-settings.json", "w"))
mlflow.sklearn.save_model(pipeline, f"{work}/mlflow-model", pyfunc_predict_fn="predict_proba")
PY
cp models/adult-xgboost.json "$work/mlserver/adult-xgboost/model.json"

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mlserver_port=$(free_port)
mlflow_port=$(free_port)
MLSERVER_HOST=127.0.0.1 MLSERVER_HTTP_PORT=$mlserver_port MLSERVER_GRPC_PORT=0 MLSERVER_METRICS_ENDPOINT= \
  "$venv/bin/mlserver" start "$work/mlserver" > "$work/mlserver.log" 2>&1 &
pids+=($!)
PATH=$venv/bin:$PATH "$venv/bin/mlflow" models serve -m "$work/mlflow-model" -h 127.0.0.1 -p "$mlflow_port" \
  --env-manager local > "$work/mlflow.log" 2>&1 &
pids+=($!)
wait_ready() {
  for _ in $(seq 1 120); do
    if curl -fs "$1" > /dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "remote-models: $1 not ready; log:" >&2; tail -20 "$2" >&2; return 1
}
wait_ready "http://127.0.0.1:$mlserver_port/v2/models/adult-pipeline/ready" "$work/mlserver.log"
wait_ready "http://127.0.0.1:$mlserver_port/v2/models/adult-xgboost/ready" "$work/mlserver.log"
wait_ready "http://127.0.0.1:$mlflow_port/ping" "$work/mlflow.log"

head -21 datasets/adult.csv > "$work/bg.csv"
pipeline_card=examples/models/adult-pipeline.card.json
common=(--card "$pipeline_card" --background "$work/bg.csv" --data datasets/adult.csv --rows 0-2 --format json --quiet)
"$bin" explain --model-command "$py examples/models/predict.py examples/models/adult-pipeline.joblib" "${common[@]}" > "$work/command.jsonl"
"$bin" explain --model-url "http://127.0.0.1:$mlserver_port/v2/models/adult-pipeline" "${common[@]}" > "$work/mlserver.jsonl"
"$bin" explain --model-url "http://127.0.0.1:$mlflow_port/invocations" "${common[@]}" > "$work/mlflow.jsonl"
"$bin" inspect --model-url "http://127.0.0.1:$mlserver_port/v2/models/adult-pipeline" --card "$pipeline_card"

xgb=(--data datasets/adult.csv --rows 0-4 --format json --quiet --background "$work/bg.csv")
for method in kernel exact; do
  "$bin" explain --model models/adult-xgboost.json --method "$method" "${xgb[@]}" > "$work/xgb-local-$method.jsonl"
  "$bin" explain --model-url "http://127.0.0.1:$mlserver_port/v2/models/adult-xgboost" --card models/adult-xgboost.card.json \
    --layout tensor --method "$method" "${xgb[@]}" > "$work/xgb-remote-$method.jsonl"
done

"$py" - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def rows(name):
    return [json.loads(line) for line in open(f"{work}/{name}.jsonl")]
def worst(a, b):
    assert len(a) == len(b) and a, (len(a), len(b))
    gap = 0.0
    for x, y in zip(a, b):
        gap = max(gap, abs(x["prediction"] - y["prediction"]), abs(x["base_value"] - y["base_value"]))
        for p, q in zip(x["attributions"], y["attributions"]):
            assert p["feature"] == q["feature"]
            gap = max(gap, abs(p["attribution"] - q["attribution"]))
    return gap
failures = []
for server in ["mlserver", "mlflow"]:
    gap = worst(rows("command"), rows(server))
    print(f"pipeline through {server} vs the command: largest difference {gap:.3g}")
    if gap > 1e-9: failures.append(server)
for method in ["kernel", "exact"]:
    gap = worst(rows(f"xgb-local-{method}"), rows(f"xgb-remote-{method}"))
    print(f"xgboost {method} through MLServer vs the local file: largest difference {gap:.3g} (float32 transport)")
    if gap > 1e-4: failures.append(f"xgboost {method}")
if failures:
    sys.exit("remote-models: differences too large: " + ", ".join(failures))
PY
echo "remote-models: passed"
