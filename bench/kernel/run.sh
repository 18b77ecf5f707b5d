#!/usr/bin/env bash
# Kernel SHAP error versus time: shap.KernelExplainer against glassbox (one thread each).
#   bench/kernel/run.sh [--nsamples 256,512,1024,2048] [--json out.json]
# Uses the venv of tools/setup_venv.sh (.venv-tools), builds the release
# glassbox-bench (bench/GlassboxBench) in .build-bench, and runs `glassbox-bench kernel`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# The pinned venv of tools/ (xgboost 3.2.0, lightgbm, shap, lime, ...), made or refreshed here.
"$root/tools/setup_venv.sh" >&2
venv="$root/.venv-tools"
cd "$root"
swift build -c release --scratch-path .build-bench --product glassbox-bench >&2
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 exec "$venv/bin/python" "$here/bench.py" "$@"
