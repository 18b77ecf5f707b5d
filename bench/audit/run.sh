#!/usr/bin/env bash
# What the audit trail costs a 10,000-row batch: `glassbox explain` with and without
# --audit, on the XGBoost and the logistic model (results: bench/audit/README.md).
#
#   bench/audit/run.sh                       # times .build/release/glassbox (built as make build does)
#   GLASSBOX=path/to/glassbox REPEATS=11 bench/audit/run.sh
#
# Each configuration runs REPEATS times, interleaved (plain, audit, audit+sign+redact,
# plain, ...) so that load from other processes hits all alike; the median wall time of
# whole processes is reported, with the median CPU time (user + system), which load
# from other processes disturbs less. Every audited run starts a fresh log, and the log is
# checked with `glassbox audit verify` once per configuration.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROWS=${ROWS:-10000}
REPEATS=${REPEATS:-11}
source bench/glassbox_binary.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/glassbox-audit-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
head -n $((ROWS + 1)) datasets/adult.csv > "$TMP/batch.csv"
"$GLASSBOX" audit keygen --out "$TMP/sign.key" > /dev/null
"$GLASSBOX" audit keygen --redaction --out "$TMP/redact.key" > /dev/null

# "wall cpu" seconds of one run of "$@" (cpu = user + system), to the millisecond.
seconds() {
  local TIMEFORMAT="%3R %3U %3S"
  { time "$@" > /dev/null; } 2> "$TMP/time"
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$TMP/time"
}

median() { sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }

echo "rows=$ROWS repeats=$REPEATS cores=$(nproc) load=$(cut -d ' ' -f 1-3 /proc/loadavg) binary=$GLASSBOX"
printf "| model | time | plain (s) | --audit (s) | overhead | --audit --sign-key --redact-key (s) | overhead | log size |\n"
printf "|---|---|---|---|---|---|---|---|\n"
for model in adult-xgboost adult-logistic; do
  base=(explain --model "models/$model.json" --data "$TMP/batch.csv" --format json --out "$TMP/out.jsonl" --quiet)
  : > "$TMP/plain" ; : > "$TMP/audit" ; : > "$TMP/signed"
  for _ in $(seq "$REPEATS"); do
    seconds "$GLASSBOX" "${base[@]}" >> "$TMP/plain"
    rm -f "$TMP/a.log"
    seconds "$GLASSBOX" "${base[@]}" --audit "$TMP/a.log" >> "$TMP/audit"
    rm -f "$TMP/s.log"
    seconds "$GLASSBOX" "${base[@]}" --audit "$TMP/s.log" --sign-key "$TMP/sign.key" --redact-key "$TMP/redact.key" >> "$TMP/signed"
  done
  "$GLASSBOX" audit verify "$TMP/a.log" > /dev/null || echo "warning: $model: verify failed on the --audit log (see glassbox audit verify)" >&2
  "$GLASSBOX" audit verify "$TMP/s.log" --public-key "$TMP/sign.key.pub" > /dev/null \
    || echo "warning: $model: verify failed on the signed log" >&2
  size=$(du -k "$TMP/a.log" | cut -f 1)
  for column in 1 2; do
    kind=$([[ $column == 1 ]] && echo wall || echo cpu)
    p=$(cut -d ' ' -f "$column" "$TMP/plain" | median)
    a=$(cut -d ' ' -f "$column" "$TMP/audit" | median)
    s=$(cut -d ' ' -f "$column" "$TMP/signed" | median)
    printf "| %s | %s | %s | %s | %+.1f%% | %s | %+.1f%% | %s KiB |\n" "$model" "$kind" "$p" "$a" \
      "$(echo "($a / $p - 1) * 100" | bc -l)" "$s" "$(echo "($s / $p - 1) * 100" | bc -l)" "$size"
  done
done
