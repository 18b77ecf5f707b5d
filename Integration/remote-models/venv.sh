# Sourced by Integration/remote-models/run.sh and bench/remote/run.sh: sets `venv` to the
# remote-models venv, installing it first when it is missing. Every package is pinned in
# requirements.txt and installed as a wheel without resolving (--no-deps). The venv lives
# in ${XDG_CACHE_HOME:-~/.cache}/glassbox-integration/, keyed by the requirements and the
# Python version, so it is installed once; REMOTE_MODELS_VENV=DIR uses another one.
remote_models_requirements=$(dirname "${BASH_SOURCE[0]}")/requirements.txt
remote_models_python=$(command -v python3.11 || command -v python3)
venv=${REMOTE_MODELS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/glassbox-integration/remote-models-$(
  { cat "$remote_models_requirements"; "$remote_models_python" --version; } | sha256sum | cut -c1-16)}
if [ ! -f "$venv/.complete" ]; then
  echo "remote-models: installing the venv in $venv"
  remote_models_started=$(date +%s)
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$remote_models_python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: -r "$remote_models_requirements"
  touch "$venv/.complete"
  echo "remote-models: venv installed in $(( $(date +%s) - remote_models_started )) s"
fi
