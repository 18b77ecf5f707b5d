#!/usr/bin/env bash
# Path-dependent TreeSHAP: glassbox (whole process, CSV in and out) against xgboost 3.4.1's
# pred_contribs (Quadrature-TreeSHAP, in memory), 1 thread each and all threads each, in one run:
#   bench/treeshap/path_dependent.sh [--rows N] [--repeat K] [--algorithms fast,xgboost-3.3]
# Builds .build/release/glassbox (GLASSBOX=... for another) and a venv of its own,
# .venv-bench-xgb34, from bench/treeshap/requirements-xgb34.txt (Python 3.12: PYTHON=...).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-bench-xgb34"
python="${PYTHON:-python3.12}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet -r "$here/requirements-xgb34.txt" >&2
cd "$root"
source bench/glassbox_binary.sh
OPENBLAS_NUM_THREADS=1 exec "$venv/bin/python" "$here/path_dependent.py" --glassbox "$GLASSBOX" "$@"
