#!/usr/bin/env bash
# Benchmark glassbox TreeSHAP against xgboost pred_contribs (nthread=1) and shap's
# interventional TreeExplainer, whole process on 1 and 2 threads:
#   bench/treeshap/run.sh [--rows N] [--repeat K] [...bench.py options]
# Builds the release binary into .build-speed and creates <repo>/.venv-bench from
# tools/requirements.txt on first use. Results are recorded in bench/treeshap/README.md.
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
cd "$root"
swift build -c release --product glassbox --scratch-path .build-speed >&2
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 exec "$venv/bin/python" "$here/bench.py" \
    --glassbox "$root/.build-speed/release/glassbox" "$@"
