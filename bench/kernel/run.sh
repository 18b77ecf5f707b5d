#!/usr/bin/env bash
# Kernel SHAP error versus time: shap.KernelExplainer against glassbox (one thread each).
#   bench/kernel/run.sh [--nsamples 256,512,1024,2048] [--json out.json]
# Creates <repo>/.venv-bench from tools/requirements.txt on first use, builds the release
# test bundle in .build-kernel (-enable-testing: other suites use @testable import), and runs the opt-in KernelBenchmark test (GLASSBOX_BENCH=1).
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
swift build -c release -Xswiftc -enable-testing --scratch-path .build-kernel --build-tests >&2
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 exec "$venv/bin/python" "$here/bench.py" "$@"
