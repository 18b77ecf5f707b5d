#!/usr/bin/env bash
# Time a full `glassbox bias` report (sex x race intersection and both marginals, labels,
# 1000 bootstrap replicates, path-dependent TreeSHAP attribution of every row, proxy
# detection) on 50,000 rows: datasets/adult-test.csv repeated, scored by
# models/adult-xgboost.json. Also times the parts (no attribution; no bootstrap).
#   bench/bias/run.sh [ROWS] [REPEATS]
# Times .build/release/glassbox (built as make build does), or GLASSBOX=path/to/glassbox.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rows="${1:-50000}"
repeats="${2:-3}"
cd "$root"
source bench/glassbox_binary.sh
binary="$GLASSBOX"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
data="$work/adult-$rows.csv"
head -n 1 "$root/datasets/adult-test.csv" > "$data"
while [ "$(($(wc -l < "$data") - 1))" -lt "$rows" ]; do
    tail -n +2 "$root/datasets/adult-test.csv" >> "$data"
done
head -n "$((rows + 1))" "$data" > "$data.tmp" && mv "$data.tmp" "$data"
echo "data: $(($(wc -l < "$data") - 1)) rows; cores: $(nproc); binary: $binary"

best() {  # best wall-clock seconds of $repeats runs of "$@"
    local best=""
    for _ in $(seq "$repeats"); do
        local start end t
        start=$(date +%s.%N)
        "$@" > "$work/out.json" || [ $? -eq 2 ]
        end=$(date +%s.%N)
        t=$(echo "$end - $start" | bc)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" -eq 1 ]; then best=$t; fi
    done
    printf '%.3f' "$best"
}

common=(bias --model "$root/models/adult-xgboost.json" --data "$data" --sensitive sex --sensitive race
        --label income --format json)
cd "$root"
for threads in 1 "$(nproc)"; do
    full=$(best "$binary" "${common[@]}" --threads "$threads")
    noattr=$(best "$binary" "${common[@]}" --threads "$threads" --no-attribution)
    noboot=$(best "$binary" "${common[@]}" --threads "$threads" --bootstrap 0)
    bare=$(best "$binary" "${common[@]}" --threads "$threads" --bootstrap 0 --no-attribution)
    echo "threads=$threads  full=${full}s  no-attribution=${noattr}s  no-bootstrap=${noboot}s  neither=${bare}s"
done
python3 - "$work/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("last report:", d["rows"], "rows,", len(d["groups"]), "intersection groups, metrics:",
      {k: round(v, 4) for k, v in d["metrics"].items() if v is not None})
PY
