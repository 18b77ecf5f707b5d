#!/usr/bin/env bash
# glassbox check: throughput (rows/s) and peak RSS on 100k and 1M rows.
#
#   GLASSBOX=.build-check/release/glassbox bench/check_throughput.sh
#
# Inputs are made by repeating the data rows of datasets/adult.csv in a temporary
# directory (removed at exit), in two variants:
#   repeated: the rows as they are, so only about 30k rows are distinct and the
#             duplicate-detection hash set stays small;
#   distinct: an id column (the row number) first, so every row is distinct and the
#             hash set holds one 64-bit hash per row: the one part of memory that grows
#             with the input.
# Every run checks against the background datasets/adult.csv with --format json and is
# one whole process timed with /usr/bin/time -f '%e %M %U %S' (wall seconds, peak RSS,
# user and system CPU seconds). rows/s is rows ÷ wall time; rows/cpu_s is rows ÷ CPU time,
# which a busy machine disturbs less.
# Results: bench/check/README.md.
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL=models/adult-logistic.json
DATA=datasets/adult.csv
SIZES=(100000 1000000)
CORES=$(nproc)

source bench/glassbox_binary.sh
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/glassbox-check-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- inputs: the largest of each variant by repeating the rows, the others as prefixes
largest=${SIZES[-1]}
awk -v n="$largest" 'NR == 1 { print; next } { row[++k] = $0 }
  END { for (i = 0; i < n; i++) print row[i % k + 1] }' "$DATA" > "$TMP/repeated-$largest.csv"
awk 'NR == 1 { print "id," $0; next } { print NR - 2 "," $0 }' "$TMP/repeated-$largest.csv" > "$TMP/distinct-$largest.csv"
for variant in repeated distinct; do
  for n in "${SIZES[@]}"; do
    [[ $n == "$largest" ]] || head -n $((n + 1)) "$TMP/$variant-$largest.csv" > "$TMP/$variant-$n.csv"
  done
done

# timed LABEL CMD...: runs CMD under /usr/bin/time; sets WALL and CPU (s), RSS (MB). The exit
# status of CMD is ignored (a check may report findings); a crash shows its messages.
timed() {
  local label=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$TMP/time" "$@" 2> "$TMP/stderr" || true
  if [[ -s "$TMP/stderr" ]]; then
    echo "$label wrote to stderr:" >&2
    cat "$TMP/stderr" >&2
    exit 1
  fi
  local user system
  read -r WALL RSS_KB user system < <(tail -n 1 "$TMP/time")
  CPU=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
  RSS=$(awk -v k="$RSS_KB" 'BEGIN { printf "%.1f", k / 1024 }')
}

ROWS_OUT=()
run() {  # run VARIANT THREADS N
  timed "check $1 $3 rows, $2 threads" "$GLASSBOX" check --model "$MODEL" --data "$TMP/$1-$3.csv" \
    --background "$DATA" --format json --threads "$2" --out "$TMP/report.json"
  local rate cpu_rate errors duplicates
  rate=$(awk -v n="$3" -v t="$WALL" 'BEGIN { if (t < 0.01) t = 0.01; printf "%.0f", n / t }')
  cpu_rate=$(awk -v n="$3" -v t="$CPU" 'BEGIN { if (t < 0.01) t = 0.01; printf "%.0f", n / t }')
  errors=$(grep -o '"errors":[0-9]*' "$TMP/report.json" | head -n 1 | cut -d: -f2)
  duplicates=$(grep -o '"duplicates":{"rows":[0-9]*' "$TMP/report.json" | grep -o '[0-9]*$')
  ROWS_OUT+=("$(printf '%-9s %7s %9s %7s %9s %9s %11s %12s %7s %11s' \
    "$1" "$2" "$3" "$WALL" "$CPU" "$rate" "$cpu_rate" "$RSS" "$errors" "$duplicates")")
}

# The fixed cost: loading the model and profiling the background, on a one-row input.
head -n 2 "$DATA" > "$TMP/one.csv"
timed "check one row" "$GLASSBOX" check --model "$MODEL" --data "$TMP/one.csv" --background "$DATA" \
  --format json --threads 1 --out "$TMP/report.json"
FIXED_WALL=$WALL FIXED_CPU=$CPU FIXED_RSS=$RSS

for variant in repeated distinct; do
  for n in "${SIZES[@]}"; do run "$variant" 1 "$n"; done
  run "$variant" "$CORES" "$largest"
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "glassbox check: $MODEL against background $DATA, rows repeated from $DATA"
echo "machine: $CORES cores, ${cpu:-unknown CPU}; $(date -u '+%Y-%m-%d %H:%M UTC'); load average before/after: $LOAD_START / $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "glassbox: $GLASSBOX"
echo "fixed cost (model, background profile of $(($(wc -l < "$DATA") - 1)) rows, one data row): $FIXED_WALL s wall, $FIXED_CPU s CPU, $FIXED_RSS MB"
echo
printf '%-9s %7s %9s %7s %9s %9s %11s %12s %7s %11s\n' \
  input threads rows wall_s cpu_s rows/s rows/cpu_s peak_RSS_MB errors duplicates
printf '%s\n' "${ROWS_OUT[@]}"
