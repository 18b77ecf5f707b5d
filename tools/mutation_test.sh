#!/usr/bin/env bash
# Mutation test: do the tests notice small, realistic bugs?
#
#   tools/mutation_test.sh            # every mutant, each with the suites that should catch it
#   tools/mutation_test.sh --full     # every mutant against the whole suite (slower)
#   tools/mutation_test.sh --list     # the mutants, without running anything
#   tools/mutation_test.sh 3 7        # only mutants 3 and 7
#
# For each mutant, one at a time: replace ORIGINAL with MUTATED in FILE (ORIGINAL must occur
# exactly once, or the script stops before touching anything), `swift build --build-tests`,
# `swift test --skip-build --filter FILTER`, record killed (a test failed) or survived
# (all passed), and put the file back byte for byte (also on Ctrl-C or any exit).
# A mutant that does not compile is reported as "no build" and left out of the score.
#
# Each mutant is one block of five lines below (name, file, filter, original, mutated).
# When a source moves, update its ORIGINAL/MUTATED pair: they are plain text (no regex),
# kept to one inner formula so refactoring around them does not break them.
set -uo pipefail
cd "$(dirname "$0")/.."

MUTANTS=(
  # 1: Fast TreeSHAP's leaf table: the binomial recurrence C(d-1, s) off by one.
  "TreeSHAP fast tables: binomial"
  "Sources/GlassboxExplainers/TreeSHAP/FastTreeTables.swift"
  "TreeSHAP"
  'binomial = binomial * Double(d - 1 - s) / Double(s + 1)'
  'binomial = binomial * Double(d - s) / Double(s + 1)'

  # 2: Interventional tables: the "down" term skipped for a single background-side feature.
  "interventional tables: |B| = 1 term"
  "Sources/GlassboxExplainers/TreeSHAP/InterventionalTables.swift"
  "TreeSHAPInterventional"
  'let down = nb > 0 ? mass * weightTable[na * stride + nb - 1] : 0'
  'let down = nb > 1 ? mass * weightTable[na * stride + nb - 1] : 0'

  # 3: Kernel SHAP: size-class mass (M-1)/(s(M-s)) becomes (M-1)/(s(M-s+1)).
  "Kernel SHAP: coalition class mass"
  "Sources/GlassboxExplainers/Kernel/CoalitionSampler.swift"
  "Kernel"
  '      Double(m - 1) / Double(s * (m - s)) *'
  '      Double(m - 1) / Double(s * (m - s + 1)) *'

  # 4: LIME's exponential kernel without its square root.
  "LIME: kernel sqrt(exp(-d^2/w^2))"
  "Sources/GlassboxExplainers/LIME/LIMESurrogate.swift"
  "LIME"
  'expValue(-(d * d) / (w * w)).squareRoot()'
  'expValue(-(d * d) / (w * w))'

  # 5: CSV reader: a line break inside a quoted field is not counted (error lines drift).
  "CSV reader: newlines in quoted fields"
  "Sources/GlassboxData/CSVReader.swift"
  "GlassboxDataTests"
  'if c == lf { lineCount += 1 }'
  'if c == cr { lineCount += 1 }'

  # 6: Feature encoding: any number accepted as a categorical code, even one the card lacks.
  "feature encoding: unknown categorical code"
  "Sources/GlassboxData/FeatureEncoder.swift"
  "GlassboxDataTests"
  ', validCodes[j]!.contains(number) { return number }'
  ' { return number }'

  # 7: Audit verifier: only the first line's prev_hash is checked (later links, the last
  #    line's included, pass unchecked). Verification streams the log, so "skip the last
  #    line" has no one-snippet form; this mutant covers it (every later link is skipped).
  "audit verifier: prev_hash after seq 1"
  "Sources/GlassboxAudit/HashChain.swift"
  "GlassboxAuditTests|AuditEndToEnd"
  'if prevHash != expectedPrevHash { return .prevHash }'
  'if prevHash != expectedPrevHash && seq == 1 { return .prevHash }'

  # 8: Fairness: FPR divided by the group size instead of its negatives.
  "fairness: false positive rate"
  "Sources/GlassboxFairness/GroupTally.swift"
  "GlassboxFairnessTests|BiasEndToEnd|BiasRenderer"
  'case .falsePositiveRate: return ratio(falsePositives, negatives)'
  'case .falsePositiveRate: return ratio(falsePositives, n)'

  # 9: XGBoost loader: logistic base_score to margin with the wrong sign.
  "XGBoost loader: base_score logit sign"
  "Sources/GlassboxModels/Trees/XGBoostJSONLoader.swift"
  "GlassboxModelsTests|TreeSHAPFixture"
  'return -logf32(1 / q - 1)'
  'return logf32(1 / q - 1)'

  # 10: Linear SHAP: the attribution forgets to centre on the reference mean.
  "linear SHAP: w (x - mean)"
  "Sources/GlassboxExplainers/LinearSHAP.swift"
  "LinearSHAP|ExplainEndToEnd"
  'attributions[j] = w[j] * (x - means[j])'
  'attributions[j] = w[j] * x'
)
FIELDS=5
COUNT=$(( ${#MUTANTS[@]} / FIELDS ))

full=0; list=0; selected=()
for arg in "$@"; do
  case "$arg" in
    --full) full=1 ;;
    --list) list=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *[!0-9]*|'') echo "mutation_test: unknown argument '$arg'" >&2; exit 64 ;;
    *) selected+=("$arg") ;;
  esac
done
[ ${#selected[@]} -eq 0 ] && selected=($(seq 1 "$COUNT"))

field() { echo -n "${MUTANTS[$(( ($1 - 1) * FIELDS + $2 ))]}"; }

# Occurrences of literal text $2 in file $1 (python3 standard library: no regex, multi-line safe).
occurrences() { python3 -c 'import sys; print(open(sys.argv[1], encoding="utf-8").read().count(sys.argv[2]))' "$1" "$2"; }
# Replace the single occurrence of $2 by $3 in file $1.
replace_once() {
  python3 -c '
import sys
path, old, new = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(text.replace(old, new, 1))' "$1" "$2" "$3"
}

# Check every selected mutant before touching anything: sources move, and a stale triple
# must fail loudly, not silently test nothing.
stale=0
for k in "${selected[@]}"; do
  if [ "$k" -lt 1 ] || [ "$k" -gt "$COUNT" ]; then echo "mutation_test: no mutant $k (1..$COUNT)" >&2; exit 64; fi
  file=$(field "$k" 1); original=$(field "$k" 3)
  if [ ! -f "$file" ]; then
    echo "mutation_test: mutant $k ($(field "$k" 0)): $file does not exist" >&2; stale=1; continue
  fi
  n=$(occurrences "$file" "$original")
  if [ "$n" != 1 ]; then
    echo "mutation_test: mutant $k ($(field "$k" 0)): the original text occurs $n times in $file (must be 1): '$original'" >&2
    stale=1
  fi
done
[ "$stale" = 0 ] || { echo "mutation_test: update the triples above in $0" >&2; exit 2; }

if [ "$list" = 1 ]; then
  for k in "${selected[@]}"; do
    printf '%2d  %-42s %s\n      - %s\n      + %s\n' "$k" "$(field "$k" 0)" "$(field "$k" 1)" "$(field "$k" 3)" "$(field "$k" 4)"
  done
  exit 0
fi

backup_dir=$(mktemp -d)
current=""  # the file mutated right now
restore() {
  if [ -n "$current" ] && [ -f "$backup_dir/original" ]; then
    cp "$backup_dir/original" "$current" && echo "mutation_test: restored $current" >&2
    current=""
  fi
}
on_exit() { restore; rm -rf "$backup_dir"; }
trap on_exit EXIT
trap 'echo; echo "mutation_test: interrupted" >&2; exit 130' INT TERM

log_dir=${MUTATION_LOG_DIR:-$(mktemp -d /tmp/glassbox-mutation.XXXXXX)}
echo "mutation_test: logs in $log_dir" >&2
echo "mutation_test: baseline build" >&2
swift build --build-tests >"$log_dir/baseline-build.log" 2>&1 || { echo "mutation_test: the unmutated tree does not build (see $log_dir/baseline-build.log)" >&2; exit 1; }

results=()
killed=0; survived=0; unbuilt=0
for k in "${selected[@]}"; do
  name=$(field "$k" 0); file=$(field "$k" 1); filter=$(field "$k" 2)
  [ "$full" = 1 ] && filter=""
  cp "$file" "$backup_dir/original"
  current="$file"
  replace_once "$file" "$(field "$k" 3)" "$(field "$k" 4)"
  start=$(date +%s)
  echo "mutation_test: [$k/$COUNT] $name ($file), tests: ${filter:-all}" >&2
  if ! swift build --build-tests >"$log_dir/$k-build.log" 2>&1; then
    outcome="no build"; unbuilt=$((unbuilt + 1)); failing="-"
  else
    args=(--skip-build); [ -n "$filter" ] && args+=(--filter "$filter")
    if OPENBLAS_NUM_THREADS=1 swift test "${args[@]}" >"$log_dir/$k-test.log" 2>&1; then
      outcome="SURVIVED"; survived=$((survived + 1))
      grep -q 'Test run with 0 tests' "$log_dir/$k-test.log" && outcome="SURVIVED (no test matched '$filter')"
    else
      outcome="killed"; killed=$((killed + 1))
    fi
    failing=$(grep -c '^✘ Test .* failed after' "$log_dir/$k-test.log" || true)
  fi
  restore
  results+=("$(printf '%2d  %-42s %-9s %8s %6ss' "$k" "$name" "$outcome" "$failing" "$(( $(date +%s) - start ))")")
done

# Leave the build matching the restored sources.
swift build --build-tests >"$log_dir/final-build.log" 2>&1 || echo "mutation_test: the restored tree does not build (see $log_dir/final-build.log)" >&2

echo
printf '%2s  %-42s %-9s %8s %7s\n' "#" "mutant" "result" "failing" "time"
# failing: failed tests (a parameterized test counts once)
printf '%s\n' "${results[@]}"
scored=$((killed + survived))
if [ "$scored" -gt 0 ]; then
  echo "score: $killed killed of $scored ($(( 100 * killed / scored ))%); $survived survived; $unbuilt did not build"
else
  echo "score: no mutant built"
fi
[ "$survived" = 0 ]
