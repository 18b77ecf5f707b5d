#!/usr/bin/env bash
# Benchmark glassbox LIME against lime 0.2.0.1 on the Adult XGBoost model
# (5000 samples, 10 rows, one thread each, one run).
#   bench/lime/run.sh [--rows N] [--samples N] [--features K]
# Creates <repo>/.venv-bench from tools/requirements.txt on first use; the glassbox side
# runs `swift test -c release --scratch-path .build-lime --filter LIMEBenchmark`
# (GLASSBOX_BENCH=1), which builds in release on first use.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-bench"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv" >&2
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$root/tools/requirements.txt"
fi
cd "$root"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 exec "$venv/bin/python" "$here/bench.py" "$@"
