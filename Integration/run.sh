#!/usr/bin/env bash
# make integration: runs every suite Integration/NAME/run.sh in turn. Each suite installs what it
# needs (Debian packages, a venv from PyPI), starts its real servers on 127.0.0.1, tests the built
# glassbox against them and stops only the processes it started. A suite exits non-zero on failure.
# The runner prints how many suites it found and fails when it finds none.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
suites=(Integration/*/run.sh)
if [ ${#suites[@]} -eq 0 ]; then
  echo "integration: no suites found under Integration/*/run.sh" >&2
  exit 1
fi
echo "integration: ${#suites[@]} suites: ${suites[*]}"
failed=()
for suite in "${suites[@]}"; do
  started=$(date +%s)
  echo "== $suite"
  if bash "$suite"; then
    echo "== $suite passed in $(( $(date +%s) - started )) s"
  else
    echo "== $suite FAILED after $(( $(date +%s) - started )) s" >&2
    failed+=("$suite")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "integration: ${#failed[@]} of ${#suites[@]} suites failed: ${failed[*]}" >&2
  exit 1
fi
echo "integration: all ${#suites[@]} suites passed"
