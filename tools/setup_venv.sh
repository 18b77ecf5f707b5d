#!/usr/bin/env bash
# Create (or refresh) the Python venv used by tools/*.py at <repo>/.venv-tools.
# Idempotent: re-running only installs what is missing or differs from the pins.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$root/.venv-tools"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
"$venv/bin/python" - <<'PY'
import sklearn, xgboost, lightgbm, shap, lime, fairlearn, numpy, pandas
print("venv ready:",
      "numpy", numpy.__version__, "| pandas", pandas.__version__,
      "| scikit-learn", sklearn.__version__, "| xgboost", xgboost.__version__,
      "| lightgbm", lightgbm.__version__, "| shap", shap.__version__,
      "| fairlearn", fairlearn.__version__)
PY
echo "use: $venv/bin/python tools/make_adult.py"
