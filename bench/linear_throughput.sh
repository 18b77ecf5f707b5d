#!/usr/bin/env bash
# Linear SHAP, CSV to CSV: glassbox against shap.LinearExplainer on the same input.
#
#   make bench-linear                                   # from the repository root
#   GLASSBOX=path/to/glassbox bench/linear_throughput.sh   # bench another binary
#   BENCH_PYTHON=path/to/python (default .venv-tools/bin/python, made by tools/setup_venv.sh)
#
# Inputs of 10k, 100k and 1M rows are made by repeating the rows of datasets/adult.csv
# in a temporary directory (removed at exit). Every run is one whole process timed with
# /usr/bin/time (wall seconds, peak RSS). Results: bench/README.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODEL=models/adult-logistic.json
CARD=models/adult-logistic.card.json
DATA=datasets/adult.csv
PYTHON=${BENCH_PYTHON:-$ROOT/.venv-tools/bin/python}   # BENCH_PYTHON overrides
PEER_LIMIT=120          # seconds: the peer runs on 1M rows only if it is expected to finish sooner
SIZES=(10000 100000 1000000)
CORES=$(nproc)

source bench/glassbox_binary.sh
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
if [[ ! -x "$PYTHON" ]]; then
  echo "no Python venv at $PYTHON: creating it with tools/setup_venv.sh" >&2
  tools/setup_venv.sh >&2
fi

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/glassbox-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- inputs: the largest by repeating the data rows, the others as its prefixes
largest=${SIZES[-1]}
awk -v n="$largest" 'NR == 1 { print; next } { row[++k] = $0 }
  END { for (i = 0; i < n; i++) print row[i % k + 1] }' "$DATA" > "$TMP/in-$largest.csv"
for n in "${SIZES[@]}"; do
  [[ $n == "$largest" ]] || head -n $((n + 1)) "$TMP/in-$largest.csv" > "$TMP/in-$n.csv"
done

# timed LABEL CMD...: runs CMD under /usr/bin/time; sets WALL (s) and RSS (MB).
# On failure it shows CMD's messages and returns 1.
timed() {
  local label=$1; shift
  if ! /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" 2> "$TMP/stderr"; then
    echo "$label failed:" >&2
    cat "$TMP/stderr" "$TMP/time" >&2
    return 1
  fi
  read -r WALL RSS_KB < <(tail -n 1 "$TMP/time")
  RSS=$(awk -v k="$RSS_KB" 'BEGIN { printf "%.1f", k / 1024 }')
}

ROWS_OUT=()
# record ENGINE THREADS N: appends one table row from WALL and RSS.
record() {
  local rate
  rate=$(awk -v n="$3" -v t="$WALL" 'BEGIN { if (t < 0.01) t = 0.01; printf "%.0f", n / t }')
  ROWS_OUT+=("$(printf '%-9s %7s %9s %8s %11s %12s' "$1" "$2" "$3" "$WALL" "$rate" "$RSS")")
  eval "RATE_${1}_${2}_${3}=$rate RSSMB_${1}_${2}_${3}=$RSS WALL_${1}_${2}_${3}=$WALL"
}

glassbox() {  # glassbox THREADS N
  timed "glassbox --threads $1 on $2 rows" "$GLASSBOX" explain --model "$MODEL" --data "$TMP/in-$2.csv" \
    --format csv --threads "$1" --quiet --out "$TMP/glassbox-$2.csv" || exit 1
  record glassbox "$1" "$2"
}

peer() {  # peer N [TIMEOUT_S]: returns 1 when the run fails or times out
  local limit=${2:-0}   # timeout(1): 0 = no limit
  timed "shap on $1 rows" env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    timeout "$limit" "$PYTHON" bench/linear_peer.py explain "$MODEL" "$CARD" "$TMP/in-$1.csv" "$TMP/peer-$1.csv" ||
    return 1
  record shap 1 "$1"
}

agreement() {  # agreement N: adds a "max |Δφ|" line for the N-row outputs to COMPARED
  local result
  result=$("$PYTHON" bench/linear_peer.py compare "$TMP/glassbox-$1.csv" "$TMP/peer-$1.csv")
  COMPARED+=("max |Δφ| glassbox vs shap over ${result% *} rows: ${result#* }")
}

for n in "${SIZES[@]}"; do glassbox 1 "$n"; done
glassbox "$CORES" "$largest"
COMPARED=()
peer 100000 || exit 1
agreement 100000
peer_1m_estimate=$(awk -v t="$WALL_shap_1_100000" 'BEGIN { printf "%.0f", t * 10 }')
if (( peer_1m_estimate >= PEER_LIMIT )); then
  PEER_1M="skipped: about ${peer_1m_estimate} s expected from the 100k run (limit ${PEER_LIMIT} s)"
elif peer 1000000 $((PEER_LIMIT + 30)); then
  agreement 1000000
  PEER_1M="measured"
else
  PEER_1M="not measured: the run failed or passed $((PEER_LIMIT + 30)) s (see above)"
fi

# The peer's fixed cost: starting Python and importing shap, scikit-learn and pandas.
timed "Python imports" env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$PYTHON" -c 'import shap, sklearn.linear_model, pandas' || exit 1
IMPORT_WALL=$WALL

# ---- report
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
shap_version=$("$PYTHON" -c 'import shap; print(shap.__version__)' 2>/dev/null)
features=$(( $(head -n 1 "$TMP/glassbox-10000.csv" | tr ',' '\n' | wc -l) - 4 ))
echo "Linear SHAP, CSV to CSV: $MODEL ($features features), rows repeated from $DATA"
echo "machine: $CORES cores, ${cpu:-unknown CPU}; $(date -u '+%Y-%m-%d %H:%M UTC'); load average before/after: $LOAD_START / $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "glassbox: $GLASSBOX; peer: shap $shap_version LinearExplainer, 1 thread"
echo
printf '%-9s %7s %9s %8s %11s %12s\n' engine threads rows wall_s rows/s peak_RSS_MB
printf '%s\n' "${ROWS_OUT[@]}"
echo
awk -v g="$RATE_glassbox_1_100000" -v p="$RATE_shap_1_100000" \
  'BEGIN { printf "throughput ratio glassbox/shap, 1 thread, 100k rows: %.1fx\n", g / p }'
if [[ $PEER_1M == measured ]]; then
  awk -v g="$RATE_glassbox_1_1000000" -v p="$RATE_shap_1_1000000" \
    'BEGIN { printf "throughput ratio glassbox/shap, 1 thread, 1M rows:   %.1fx\n", g / p }'
else
  echo "shap on 1M rows: $PEER_1M"
fi
echo "shap fixed cost (start Python, import shap/sklearn/pandas, no data): $IMPORT_WALL s"
printf '%s\n' "${COMPARED[@]}"
awk -v a="$RSSMB_glassbox_1_10000" -v b="$RSSMB_glassbox_1_1000000" \
  'BEGIN { printf "glassbox peak RSS, 1 thread: %.1f MB at 10k rows, %.1f MB at 1M rows (x%.2f for 100x the rows)\n", a, b, b / a }'
awk -v r="$RATE_glassbox_1_1000000" 'BEGIN {
  printf "target >= 200000 rows/s on one core (1M rows): %s (%d rows/s)\n", (r >= 200000 ? "met" : "NOT met"), r }'
