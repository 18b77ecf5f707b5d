#!/bin/sh
# Peak memory and time of interventional TreeSHAP over backgrounds of 1x, 3x and 10x
# datasets/adult.csv (32,561 / 97,683 / 325,610 rows): glassbox streamed (default chunks of
# 65,536 rows), glassbox with the whole file in one chunk (GLASSBOX_BACKGROUND_CHUNK_ROWS
# larger than the file: the whole-load path), and woodelf-explainer on the same rows when
# the venv has it. One thread, 1,000 rows of adult-test.csv explained, the whole process.
# Usage: bench/treeshap/stream_memory.sh [glassbox binary] [python with woodelf]
set -eu
cd "$(dirname "$0")/../.."
GLASSBOX=${1:-.build-release/release/glassbox}
PYTHON=${2:-.venv-bench-treeshap/bin/python}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
head -1001 datasets/adult-test.csv > "$TMP/x.csv"
for k in 1 3 10; do
  { head -1 datasets/adult.csv; i=0; while [ $i -lt $k ]; do tail -n +2 datasets/adult.csv; i=$((i + 1)); done; } > "$TMP/bg$k.csv"
done
uptime
printf '%-8s %-9s %10s %8s %8s\n' rows mode peak_MiB wall_s cpu_s
for k in 1 3 10; do
  rows=$(($(wc -l < "$TMP/bg$k.csv") - 1))
  for mode in streamed whole; do
    chunk=65536
    [ $mode = whole ] && chunk=100000000
    GLASSBOX_BACKGROUND_CHUNK_ROWS=$chunk /usr/bin/time -f '%M %e %U %S' -o "$TMP/time" \
      "$GLASSBOX" explain --model models/adult-xgboost.json --method tree-interventional \
      --background "$TMP/bg$k.csv" --data "$TMP/x.csv" --threads 1 --format csv --out "$TMP/out-$mode.csv"
    read -r kb wall user sys < "$TMP/time"
    printf '%-8s %-9s %10.1f %8s %8.2f\n' "$rows" "$mode" "$(echo "$kb / 1024" | bc -l)" "$wall" "$(echo "$user + $sys" | bc -l)"
  done
  cmp -s "$TMP/out-streamed.csv" "$TMP/out-whole.csv" && echo "  streamed == whole, byte for byte" || echo "  streamed and whole DIFFER"
  if [ -x "$PYTHON" ] && "$PYTHON" -c 'import woodelf' 2>/dev/null; then
    /usr/bin/time -f '%M %e %U %S' -o "$TMP/time" "$PYTHON" bench/treeshap/woodelf_once.py \
      models/adult-xgboost.json models/adult-xgboost.card.json "$TMP/bg$k.csv" "$TMP/x.csv"
    read -r kb wall user sys < "$TMP/time"
    printf '%-8s %-9s %10.1f %8s %8.2f\n' "$rows" woodelf "$(echo "$kb / 1024" | bc -l)" "$wall" "$(echo "$user + $sys" | bc -l)"
  fi
done
