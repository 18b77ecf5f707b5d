#!/usr/bin/env bash
# Benchmark glassbox LIME against lime 0.2.0.1 on the Adult XGBoost model
# (5000 samples, 10 rows, one thread each, one run).
#   bench/lime/run.sh [--rows N] [--samples N] [--features K]
#   bench/lime/run.sh --exact [--rows N] [--seeds S] [--features K] [--repeat R]
#     (exact LIME, --lime-estimator exact, against lime on the XGBoost margin: exact.py)
#   bench/lime/run.sh --direct [--rows N] [--seeds S] [--samples n1,n2,...] [--repeat R]
#     (--lime-estimator direct on the classifier's probability: the samples it needs to be as
#     close to lime's S-seed mean as one 5000-sample lime run, and the time: direct.py)
# Uses the venv of tools/setup_venv.sh (.venv-tools); the glassbox side
# runs `.build-bench/release/glassbox-bench lime` (bench/GlassboxBench), built here in release.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# The pinned venv of tools/ (xgboost 3.2.0, lightgbm, shap, lime, ...), made or refreshed here.
"$root/tools/setup_venv.sh" >&2
venv="$root/.venv-tools"
cd "$root"
swift build -c release --scratch-path .build-bench --product glassbox-bench >&2
script="$here/bench.py"
if [ "${1:-}" = "--exact" ]; then
    script="$here/exact.py"
    shift
elif [ "${1:-}" = "--direct" ]; then
    script="$here/direct.py"
    shift
fi
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 exec "$venv/bin/python" "$script" "$@"
