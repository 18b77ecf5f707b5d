#!/usr/bin/env bash
# Writes the outputs of a fixed set of glassbox commands on the shipped models and data into
# a folder, so that two builds can be compared byte for byte (a refactoring must change none):
#
#   tools/compare_outputs.sh OLD_BINARY /tmp/before
#   tools/compare_outputs.sh .build/release/glassbox /tmp/after
#   diff -r /tmp/before /tmp/after
#
# Covers explain (linear, tree, tree-interventional, kernel, exact, lime with fixed seeds) in
# JSON Lines, CSV, Markdown and table; check and bias reports; audit records (times, UUIDs
# and the binary's hash masked), audit verify, show and replay. Each command's exit status
# is kept next to its output.
set -uo pipefail
bin=$(realpath "$1")
out=$2
cd "$(dirname "$0")/.."
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export COLUMNS=100 NO_COLOR=1 OPENBLAS_NUM_THREADS=1
head -201 datasets/adult.csv >"$work/background.csv"

run() { # run NAME ARGS...: stdout to NAME.out, stderr to NAME.err, status to NAME.status
  local name=$1
  shift
  "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.status"
}

xgb=models/adult-xgboost.json lgb=models/adult-lightgbm.txt lin=models/adult-logistic.json
data=datasets/adult.csv
for model in xgb lgb lin; do
  for format in json csv markdown table; do
    run "explain-$model-auto-$format" explain --model "${!model}" --data "$data" --rows 0-40 --format "$format" --threads 2
  done
done
run explain-xgb-classic-json explain --model "$xgb" --data "$data" --rows 0-40 --format json --tree-algorithm classic
run explain-xgb-instance explain --model "$xgb" --instance 'age=39,workclass=State-gov,education=Bachelors,education-num=13,marital-status=Never-married,occupation=Adm-clerical,relationship=Not-in-family,race=White,sex=Male,capital-gain=2174,capital-loss=0,hours-per-week=40,native-country=United-States' --format json
for format in json csv markdown table; do
  run "explain-xgb-interventional-$format" explain --model "$xgb" --data "$data" --rows 0-20 --method tree-interventional --background "$work/background.csv" --format "$format"
  run "explain-xgb-interventional-prob-$format" explain --model "$xgb" --data "$data" --rows 0-5 --method tree-interventional --background "$work/background.csv" --output probability --format "$format"
  run "explain-xgb-kernel-$format" explain --model "$xgb" --data "$data" --rows 0-3 --method kernel --background "$work/background.csv" --background-size 20 --seed 7 --format "$format"
  run "explain-lin-exact-$format" explain --model "$lin" --data "$data" --rows 0-3 --method exact --background "$work/background.csv" --background-size 10 --format "$format"
  run "explain-xgb-lime-$format" explain --model "$xgb" --data "$data" --rows 0-3 --method lime --background "$work/background.csv" --seed 11 --format "$format"
done
run explain-xgb-kernel-shared explain --model "$xgb" --data "$data" --rows 0-2 --method kernel --background "$work/background.csv" --background-size 10 --coalitions shared --samples 300 --format json
run explain-lin-lime-stability explain --model "$lin" --data "$data" --rows 0-2 --method lime --background "$work/background.csv" --stability 3 --features 5 --format json
run explain-lin-linear-bg explain --model "$lin" --data "$data" --rows 0-10 --method linear --background "$work/background.csv" --format json
run explain-xgb-sensitive explain --model "$xgb" --data "$data" --rows 0-5 --sensitive sex --format table
run explain-xgb-id explain --model "$xgb" --data "$data" --rows 0-5 --id-column age --format csv

for format in json table; do
  run "check-$format" check --model "$xgb" --data datasets/adult-test.csv --format "$format"
done
for format in json table markdown; do
  run "bias-xgb-$format" bias --model "$xgb" --data datasets/adult-test.csv --sensitive sex --label income --format "$format" --bootstrap 50
  run "bias-lin-$format" bias --model "$lin" --data datasets/adult-test.csv --sensitive sex --sensitive race --label income --format "$format" --bootstrap 50
done

# Audit: a log from explain (tree, lime, kernel) and bias, verified, shown, exported and replayed.
log="$work/audit.jsonl"
"$bin" explain --model "$xgb" --data "$data" --rows 0-30 --audit "$log" --format json >/dev/null 2>&1
"$bin" explain --model "$xgb" --data "$data" --rows 0-3 --method lime --background "$work/background.csv" --seed 5 --audit "$log" --format json >/dev/null 2>&1
head -301 datasets/adult-test.csv >"$work/test300.csv"
"$bin" bias --model "$xgb" --data "$work/test300.csv" --sensitive sex --label income --bootstrap 10 --audit "$log" --format json >/dev/null 2>&1
"$bin" explain --model "$xgb" --data "$data" --rows 0-3 --method kernel --background "$work/background.csv" --background-size 10 --seed 5 --audit "$log" --format json >/dev/null 2>&1
sed -E -e 's/"(time|record_id|id)":"[^"]*"/"\1":"*"/g' -e 's/"(hash|prev_hash|binary_sha256|merkle_root|root)":"[0-9a-f]*"/"\1":"*"/g' \
  -e 's/"build":"[a-z]+ /"build":"* /' -e "s#$work#WORK#g" "$log" >"$out/audit-log.masked"
run audit-verify audit verify "$log"
run audit-show audit show "$log"
run audit-export audit export "$log" --format csv
run audit-replay audit replay "$log"
sed -i -E -e "s#$work#WORK#g" -e 's/[0-9a-f]{64}/HASH/g' -e 's/20[0-9]{2}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+Z?/TIME/g' \
  -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/UUID/g' "$out"/audit-*
ls "$out" | wc -l
