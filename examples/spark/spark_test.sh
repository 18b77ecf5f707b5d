#!/usr/bin/env bash
# Spark local mode against one process: the same attributions, byte for byte.
#
#   make spark-test                      # or: bash examples/spark/spark_test.sh (repo root)
#   GLASSBOX=path/to/glassbox bash examples/spark/spark_test.sh   # test another binary
#   SPARK_TEST_ROWS=100000 SPARK_TEST_KERNEL_ROWS=2000 SPARK_TEST_PARTITIONS=8 (defaults)
#   SPARK_TEST_KEEP=1 keeps the inputs and outputs (a directory under $TMPDIR or /tmp)
#
# Needs Java 17 (or newer) and PyPI: it makes .venv-spark with pinned PySpark, pandas and
# pyarrow on first use. Not part of `make test`.
#
# 1. TreeSHAP: a 100,000-row input (the rows of datasets/adult.csv repeated, with a unique id
#    column) explained with models/adult-xgboost.json by
#      (a) one `glassbox explain` process over the whole file (--threads 1, then 2), and
#      (b) examples/spark/explain_with_spark.py under spark-submit --master local[2] with
#          several partitions;
#    then examples/spark/compare_outputs.py checks that every id comes back exactly once and
#    that every line (row number aside) and every Parquet double equal the single run's.
# 2. Kernel SHAP: the same on 2,000 rows (--method kernel, 100 background rows, 512
#    samples), skipped with a message while `glassbox explain --help` does not list it.
# Exits non-zero on any mismatch. Prints rows/s for each run.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
VENV=$ROOT/.venv-spark
PINS=("pyspark==4.0.1" "pandas==2.2.3" "pyarrow==18.1.0")   # PySpark 4.0 runs on Java 17 and 21
MODEL=models/adult-xgboost.json
CARD=models/adult-xgboost.card.json
DATA=datasets/adult.csv
ROWS=${SPARK_TEST_ROWS:-100000}
KERNEL_ROWS=${SPARK_TEST_KERNEL_ROWS:-2000}
PARTITIONS=${SPARK_TEST_PARTITIONS:-8}
JOB=examples/spark/explain_with_spark.py
COMPARE=examples/spark/compare_outputs.py
T0=$(date +%s.%N)

say() { printf '\n== %s\n' "$*" >&2; }

# ---- Java
if ! command -v java > /dev/null; then
  echo "spark-test needs Java 17 or newer on PATH (Debian: apt-get install openjdk-17-jre-headless)" >&2
  exit 1
fi
JAVA_MAJOR=$(java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }')
if [[ -z "$JAVA_MAJOR" || "$JAVA_MAJOR" -lt 17 ]]; then
  echo "spark-test needs Java 17 or newer (PySpark 4.0); found: $(java -version 2>&1 | head -n 1)" >&2
  exit 1
fi

# ---- the binary
if [[ -n "${GLASSBOX:-}" ]]; then
  [[ -x "$GLASSBOX" ]] || { echo "GLASSBOX=$GLASSBOX is not an executable" >&2; exit 1; }
else
  # The packed binary (make dist), as a cluster's executors would run it.
  GLASSBOX=.build-dist/release/glassbox
  if [[ ! -x "$GLASSBOX" ]]; then
    say "building $GLASSBOX (make dist)"
    make --no-print-directory dist >&2
  fi
fi
GLASSBOX=$(cd "$(dirname "$GLASSBOX")" && pwd)/$(basename "$GLASSBOX")

# ---- the venv (idempotent: pip only acts when a pin is missing or differs)
if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating $VENV (PySpark from PyPI; a few minutes the first time)"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" - "${PINS[@]}" <<'PY' 2> /dev/null
import sys
from importlib.metadata import version
sys.exit(0 if all(version(p.split("==")[0]) == p.split("==")[1] for p in sys.argv[1:]) else 1)
PY
then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}" >&2
fi
export PATH="$VENV/bin:$PATH"            # spark-submit, and the python it looks for
export PYSPARK_PYTHON="$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$VENV/bin/python"
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}   # local mode: no other interface needed

TMP=$(mktemp -d "${TMPDIR:-/tmp}/glassbox-spark.XXXXXX")
if [[ -n "${SPARK_TEST_KEEP:-}" ]]; then
  echo "keeping the work files in $TMP" >&2
else
  trap 'rm -rf "$TMP"' EXIT
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# measured METHOD ROWS RUN CMD...: runs CMD (output to $TMP/run.log) and appends its wall
# and CPU seconds (user + sys of CMD and all it waited for) to $TMP/measure.jsonl.
measured() {
  local method=$1 rows=$2 run=$3; shift 3
  "$VENV/bin/python" - "$TMP/measure.jsonl" "$method" "$rows" "$run" "$@" <<'PY'
import json, resource, subprocess, sys, time
out, method, rows, run, cmd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
t = time.time()
with open(out.replace("measure.jsonl", "run.log"), "w") as log:
    code = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
wall = time.time() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "a") as f:
    f.write(json.dumps({"method": method, "rows": rows, "run": run, "wall_s": round(wall, 3),
                        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3)}) + "\n")
sys.exit(code)
PY
}

# make_input N FILE: header "id,<adult columns>", N data rows = the rows of adult.csv
# repeated, id = "r" + the row's index (a string id: nothing can reorder it numerically).
make_input() {
  awk -v n="$1" 'NR == 1 { print "id," $0; next } { row[++k] = $0 }
    END { for (i = 0; i < n; i++) printf "r%d,%s\n", i, row[i % k + 1] }' "$DATA" > "$2"
}

# single METHOD INPUT OUT THREADS ARGS...: one process over the whole file.
single() {
  local method=$1 input=$2 out=$3 threads=$4; shift 4
  local rows; rows=$(($(wc -l < "$input") - 1))
  if ! measured "$method" "$rows" "single-$threads" "$GLASSBOX" explain --model "$MODEL" \
       --card "$CARD" --data "$input" --id-column id --format csv --no-header --quiet \
       --threads "$threads" --out "$out" "$@"; then
    echo "$method, one process, $threads thread(s) failed:" >&2; cat "$TMP/run.log" >&2; exit 1
  fi
}

# spark METHOD INPUT NAME ARGS...: the job under spark-submit --master local[2].
spark() {
  local method=$1 input=$2 name=$3; shift 3
  local rows; rows=$(($(wc -l < "$input") - 1))
  if ! measured "$method" "$rows" "spark:$TMP/$name.timings.json" \
       spark-submit --master 'local[2]' --driver-memory 2g --conf spark.ui.enabled=false \
       "$JOB" --input "$input" --id-column id --model "$MODEL" --card "$CARD" \
       --glassbox "$GLASSBOX" --partitions "$PARTITIONS" \
       --output "$TMP/$name.parquet" --raw-output "$TMP/$name.raw" \
       --timings "$TMP/$name.timings.json" "$@"; then
    echo "$method on Spark failed; the end of its log:" >&2; tail -n 60 "$TMP/run.log" >&2; exit 1
  fi
}

# compare NAME INPUT SINGLE_OUT
compare() {
  "$VENV/bin/python" "$COMPARE" --single "$3" --raw "$TMP/$1.raw" \
    --parquet "$TMP/$1.parquet" --input "$2" --id-column id
}

FAILED=0

# ---- 1. TreeSHAP, 100,000 rows
say "TreeSHAP: $ROWS rows, $MODEL: one process (1 and 2 threads), then Spark local[2], $PARTITIONS partitions"
make_input "$ROWS" "$TMP/tree.csv"
single TreeSHAP "$TMP/tree.csv" "$TMP/tree.single.csv" 1 --method tree
single TreeSHAP "$TMP/tree.csv" "$TMP/tree.single2.csv" 2 --method tree
if ! cmp -s "$TMP/tree.single.csv" "$TMP/tree.single2.csv"; then
  echo "FAIL: TreeSHAP with --threads 1 and --threads 2 gives different output" >&2; FAILED=1
fi
spark TreeSHAP "$TMP/tree.csv" tree --method tree
compare tree "$TMP/tree.csv" "$TMP/tree.single.csv" || FAILED=1

# ---- 2. Kernel SHAP, 2,000 rows
if "$GLASSBOX" explain --help 2>&1 | grep -qw kernel; then
  say "Kernel SHAP: $KERNEL_ROWS rows, 100 background rows, 512 samples"
  make_input "$KERNEL_ROWS" "$TMP/kernel.csv"
  # 100 background rows spread over the data set (every 300th row), labels as in the data
  awk 'NR == 1 || ((NR - 2) % 300 == 0 && c++ < 100)' "$DATA" > "$TMP/background.csv"
  KARGS=(--background "$TMP/background.csv" --samples 512)
  single "Kernel SHAP" "$TMP/kernel.csv" "$TMP/kernel.single.csv" 1 --method kernel "${KARGS[@]}"
  single "Kernel SHAP" "$TMP/kernel.csv" "$TMP/kernel.single2.csv" 2 --method kernel "${KARGS[@]}"
  if ! cmp -s "$TMP/kernel.single.csv" "$TMP/kernel.single2.csv"; then
    echo "FAIL: Kernel SHAP with --threads 1 and --threads 2 gives different output" >&2; FAILED=1
  fi
  spark "Kernel SHAP" "$TMP/kernel.csv" kernel --method kernel \
    --extra-args "--background $TMP/background.csv --samples 512"
  compare kernel "$TMP/kernel.csv" "$TMP/kernel.single.csv" || FAILED=1
else
  say "Kernel SHAP: SKIPPED: '$GLASSBOX explain --help' does not list the kernel method yet"
fi

# ---- timings
say "throughput ($(nproc) cores; load average now $(cut -d ' ' -f 1-3 /proc/loadavg))"
"$VENV/bin/python" examples/spark/throughput_table.py "$TMP/measure.jsonl" >&2

echo >&2
if [[ $FAILED != 0 ]]; then
  echo "spark-test: FAILED ($(elapsed "$T0") s)" >&2
  exit 1
fi
echo "spark-test: passed ($(elapsed "$T0") s)" >&2
