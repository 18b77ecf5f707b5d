#!/usr/bin/env bash
# Benchmark glassbox TreeSHAP against xgboost pred_contribs (both single-threaded).
#   bench/treeshap/run.sh [--rows N] [--swift-fallback] [...bench.py options]
# Creates <repo>/.venv-bench from tools/requirements.txt on first use. Expects the
# release binary at .build/release/glassbox (swift build -c release).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-bench"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv" >&2
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
"$venv/bin/python" -m pip install --quiet -r "$root/tools/requirements.txt"
if [ ! -x "$root/.build/release/glassbox" ]; then
    echo "note: no .build/release/glassbox; build it with 'swift build -c release' (or pass --swift-fallback)" >&2
fi
cd "$root"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 exec "$venv/bin/python" "$here/bench.py" "$@"
