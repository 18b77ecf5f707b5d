#!/usr/bin/env bash
# Interventional TreeSHAP against growing backgrounds (100, 1,000, 8,000, 32,561 Adult rows):
# glassbox vs shap 0.54.1 (max_samples = background size) vs woodelf-explainer, one thread each:
#   bench/treeshap/sweep.sh [--rows N] [--backgrounds 100,1000] [...background_sweep.py options]
# Builds .build/release/glassbox (GLASSBOX=... for another) and a venv of its own,
# .venv-bench-treeshap, from bench/treeshap/requirements.txt (Python 3.12: PYTHON=...).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-bench-treeshap"
python="${PYTHON:-python3.12}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt" >&2
cd "$root"
source bench/glassbox_binary.sh
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 exec "$venv/bin/python" "$here/background_sweep.py" \
    --glassbox "$GLASSBOX" "$@"
