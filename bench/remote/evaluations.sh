#!/usr/bin/env bash
# Rows glassbox sends to a model behind --model-command against the model calls of shap's
# KernelExplainer (nsamples x background rows) at equal error versus exact Shapley values;
# prints the ratio. See bench/remote/evaluations.py for the method; figures in README.md.
# Needs the debug binary (swift build) or GLASSBOX=path; sets up .venv-tools (PyPI) itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
tools/setup_venv.sh >/dev/null
exec "$root/.venv-tools/bin/python" bench/remote/evaluations.py --glassbox "${GLASSBOX:-$root/.build/debug/glassbox}" "$@"
