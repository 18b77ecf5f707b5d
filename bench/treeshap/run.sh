#!/usr/bin/env bash
# Benchmark glassbox TreeSHAP against xgboost pred_contribs (nthread=1) and shap's
# interventional TreeExplainer, whole process on 1 and 2 threads:
#   bench/treeshap/run.sh [--rows N] [--repeat K] [...bench.py options]
# Times .build/release/glassbox (built as make build does; GLASSBOX=... for another) and uses the venv of
# tools/setup_venv.sh (.venv-tools). Results are recorded in bench/treeshap/README.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# The pinned venv of tools/ (xgboost 3.2.0, lightgbm, shap, lime, ...), made or refreshed here.
"$root/tools/setup_venv.sh" >&2
venv="$root/.venv-tools"
cd "$root"
source bench/glassbox_binary.sh
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 exec "$venv/bin/python" "$here/bench.py" \
    --glassbox "$GLASSBOX" "$@"
