#!/usr/bin/env bash
# Kernel SHAP error versus time: shap.KernelExplainer against glassbox (one thread each).
#   bench/kernel/run.sh [--nsamples 256,512,1024,2048] [--json out.json]
# Uses the venv of tools/setup_venv.sh (.venv-tools), builds the release
# test bundle in .build-bench (-enable-testing: other suites use @testable import), and runs the opt-in KernelBenchmark test (GLASSBOX_BENCH=1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# The pinned venv of tools/ (xgboost 3.2.0, lightgbm, shap, lime, ...), made or refreshed here.
"$root/tools/setup_venv.sh" >&2
venv="$root/.venv-tools"
cd "$root"
swift build -c release -Xswiftc -enable-testing --scratch-path .build-bench --build-tests >&2
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 exec "$venv/bin/python" "$here/bench.py" "$@"
