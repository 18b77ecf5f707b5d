#!/usr/bin/env bash
# Runs the fuzz targets built by Fuzz/build.sh, each for FUZZ_SECONDS (default 60), one
# after another, and prints a line per target: executions, seconds, result.
#
# Each target first replays its committed regression inputs (Fuzz/regressions/NAME), then
# fuzzes from a working copy of its seed corpus (Fuzz/corpus/NAME) kept in
# .build-fuzz/corpus/NAME, so new inputs found do not change the repository. A crash, a
# sanitizer report, a leak, a hang (FUZZ_TIMEOUT seconds, default 10) or memory beyond
# FUZZ_RSS_MB (default 2048) fails the target; its input is saved in
# .build-fuzz/artifacts/NAME/.
#
# Usage: Fuzz/run.sh [NAME...]   (no name: every target). Exit 1 when any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
BIN=.build-fuzz/targets
# The Swift runtime's crash backtracer would wait on a crashed fuzz target; libFuzzer and
# the address sanitizer print their own reports.
export SWIFT_BACKTRACE=enable=no

if [ $# -eq 0 ]; then
  set -- $(cd Fuzz/Targets && ls *.swift | sed 's/\.swift$//')
fi
dictionary() {
  case "$1" in
    json | card | model | model_xgboost | model_lightgbm_dump | model_sklearn | model_linear | audit) echo Fuzz/dict/json.dict ;;
    model_lightgbm_text) echo Fuzz/dict/lightgbm.dict ;;
    csv) echo Fuzz/dict/csv.dict ;;
  esac
}

failed=0
summary=()
for name in "$@"; do
  if [ ! -x "$BIN/$name" ]; then
    echo "no fuzz target $BIN/$name: run Fuzz/build.sh first" >&2
    exit 66
  fi
  work=.build-fuzz/corpus/$name
  artifacts=.build-fuzz/artifacts/$name
  log=.build-fuzz/logs/$name.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  cp -n Fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
  result=ok
  if [ -d "Fuzz/regressions/$name" ] && [ -n "$(ls -A "Fuzz/regressions/$name")" ]; then
    if ! "$BIN/$name" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" Fuzz/regressions/"$name"/* >"$log.regressions" 2>&1; then
      result="REGRESSION (see $log.regressions)"
      failed=1
    fi
  fi
  dict=$(dictionary "$name")
  nice -n 10 "$BIN/$name" -max_total_time="$SECONDS_PER_TARGET" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" ${dict:+-dict="$dict"} "$work" >"$log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  seconds=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -1)
  if [ $status -ne 0 ]; then
    failed=1
    kind=$(grep -o -m1 'ERROR: libFuzzer: [a-z-]*\|ERROR: AddressSanitizer: [a-z-]*\|ERROR: LeakSanitizer: [a-z-]*\|SUMMARY: libFuzzer: [a-z-]*\|Fatal error[^\n]*' "$log" | head -1)
    result="FAILED: ${kind:-exit $status} (log $log, input in $artifacts/)"
  fi
  line=$(printf '%-22s %12s runs %6s s  %s' "$name" "${runs:-?}" "${seconds:-?}" "$result")
  echo "$line"
  summary+=("$line")
done
echo
echo "fuzz summary (FUZZ_SECONDS=$SECONDS_PER_TARGET):"
printf '%s\n' "${summary[@]}"
exit $failed
