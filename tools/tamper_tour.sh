#!/usr/bin/env bash
# The tampering tour of issue 21, against a built binary: writes a signed log of 200 records,
# witnesses it, performs each tampering on a copy, and runs `audit verify` in every mode.
# Prints a Markdown table: "passes" (exit 0) or "caught (exit N)".
#
#   tools/tamper_tour.sh                 # uses .build/release/glassbox
#   GLASSBOX=path/to/glassbox tools/tamper_tour.sh
#
# The attacker's edits (recomputing seq and prev_hash after a change) use python3's
# standard library only; nothing is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GLASSBOX:-.build/release/glassbox}
[ -x "$BIN" ] || { echo "tamper_tour: no binary at $BIN (make build, or set GLASSBOX)" >&2; exit 69; }
BIN=$(realpath "$BIN")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
MODEL=models/adult-logistic.json
CARD=models/adult-logistic.card.json

"$BIN" audit keygen --out "$T/key" >/dev/null
"$BIN" audit keygen --out "$T/attacker" >/dev/null
"$BIN" explain --model $MODEL --data datasets/adult.csv --rows 0-199 --format json \
  --audit "$T/log" --sign-key "$T/key" --checkpoint-every 90 >/dev/null
"$BIN" audit witness "$T/log" --to "$T/witness" >/dev/null
grep '"type":"checkpoint"' "$T/log" | tail -n 1 >"$T/checkpoint"

# attacker OP FILE [ARGS]: edits a log in place the way someone with write access (but no
# trusted key) would, recomputing seq and prev_hash from the first line it changes.
attacker() {
  python3 - "$@" <<'PY'
import hashlib, re, sys
op, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = open(path, 'rb').read().decode().split('\n')[:-1]
def body(line): return line[line.index(',"type":') + 1:]
def rechain(lines, start):
    prev = hashlib.sha256(lines[start - 1].encode()).hexdigest() if start else None
    out = lines[:start]
    for line in lines[start:]:
        if '"type":"checkpoint"' in line[:200]: continue       # a signature the attacker cannot make
        ph = 'sha256:' + (prev or '0' * 64)
        new = '{"schema":"glassbox-audit/1","seq":%d,"prev_hash":"%s",%s' % (len(out) + 1, ph, body(line))
        out.append(new)
        prev = hashlib.sha256(new.encode()).hexdigest()
    return out
def sub(i, pattern, repl):
    new = re.sub(pattern, repl, lines[i], count=1)
    assert new != lines[i], (op, pattern)
    lines[i] = new
start = None
if op == 'empty': lines = []
elif op == 'cut': lines = lines[:int(args[0])]
elif op == 'edit-tail':            # keep lines 1..182, change a record after it, drop the last checkpoint
    lines = lines[:-1]; sub(190, r'"row":(\d+),', r'"row":1\1,'); start = 182
elif op == 'replay':               # record seq 5 again at the end
    lines.append(lines[4]); start = len(lines) - 1
elif op == 'rewrite':              # change a record, recompute everything, drop every checkpoint
    sub(10, r'"row":(\d+),', r'"row":1\1,'); start = 0
elif op == 'tolerance':
    sub(7, r'("phi":\{"[^"]+":)(-?[0-9.e+-]+)', r'\g<1>100'); sub(7, r'"additivity_tolerance":[^,]+', '"additivity_tolerance":1e+300'); start = 0
elif op == 'not-additive':
    sub(7, r'("phi":\{"[^"]+":)(-?[0-9.e+-]+)', r'\g<1>100'); sub(7, r'"additive":true', '"additive":false'); start = 0
elif op == 'redaction':
    sub(3, r'"fields":\[[^\]]*\]', '"fields":[]'); sub(3, r'"input":\{', '"input":{"sex":"Male",'); start = 0
elif op == 'time':
    sub(50, r'"time":"[^"]+"', '"time":"2020-01-01T00:00:00.000Z"'); start = 0
elif op == 'drop-last':
    lines = lines[:-1]
if start is not None: lines = rechain(lines, start)
open(path, 'w').write(''.join(l + '\n' for l in lines))
PY
}

# verdict ARGS: runs verify and names the outcome, with the kind of failure.
verdict() {
  local status=0 kind
  "$BIN" audit verify "$@" >"$T/out" 2>&1 || status=$?
  if [ $status = 0 ]; then
    local unsealed
    unsealed=$(sed -nE 's/^unsealed: (all )?([0-9]+) record.*/\2/p' "$T/out")
    if [ -n "$unsealed" ]; then echo "passes, says $unsealed record(s) unsealed"; else echo "passes"; fi
    return
  fi
  case "$(head -n 1 "$T/out")" in
    *"CONTENT FAILED"*) kind=content ;;
    *"not sealed"* | *"no signed checkpoint"* | *"log is empty"*) kind=unsealed ;;
    *"is not a prefix"*) kind=witness ;;
    *"differ from the external checkpoint"*) kind=rewritten ;;
    *"missing"* | *"no line of the log has the head"*) kind=truncated ;;
    *"record_id"*) kind=duplicate-record-id ;;
    *"by the same writer"*) kind=time-order ;;
    *"signature"*) kind=signature ;;
    *) kind=$(head -n 1 "$T/out" | sed -E 's/.*FAILED: (seq [0-9]+: )?//; s/[ (:].*//') ;;
  esac
  echo "caught (exit $status, $kind)"
}

# row NAME FILE [own]: one line of the table; "own" marks a log the witness never saw.
row() {
  local name=$1 file=$2 witnessed
  if [ "${3:-}" = own ]; then
    witnessed="— (not witnessed)"
  else
    witnessed=$(verdict "$file" --witness "$T/witness" --checkpoint "$T/checkpoint")
  fi
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$(verdict "$file")" \
    "$(verdict "$file" --public-key "$T/key.pub")" "$witnessed" "$(verdict "$file" --card $CARD)"
}

echo "| tampering | verify | with \`--public-key\` | with \`--witness\` and \`--checkpoint\` kept elsewhere | with \`--card\` |"
echo "|---|---|---|---|---|"
row "none (the log as written: 200 records, 3 signed checkpoints)" "$T/log"
cp "$T/log" "$T/t.log"; attacker empty "$T/t.log"; row "log emptied to 0 bytes" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker cut "$T/t.log" 182; row "tail cut back to an earlier valid checkpoint" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker edit-tail "$T/t.log"
row "records after the last kept checkpoint edited, final checkpoint dropped" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker replay "$T/t.log"
row "an existing record appended again, chain recomputed (same \`record_id\`)" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker rewrite "$T/t.log"
row "chain and Merkle roots recomputed after an edit, checkpoints dropped" "$T/t.log"
# Re-signed: the attacker's own glassbox appends one record and signs a checkpoint over all.
cp "$T/log" "$T/t.log"; attacker rewrite "$T/t.log"
"$BIN" explain --model $MODEL --data datasets/adult.csv --rows 0 --format json --audit "$T/t.log" \
  --sign-key "$T/attacker" >/dev/null
row "the same, re-signed with another key" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker tolerance "$T/t.log"
row "a record's φ changed and its own \`additivity_tolerance\` set to 1e300" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker not-additive "$T/t.log"
row "a record's φ changed and its own \`additive\` set to false" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker redaction "$T/t.log"
row "\`redaction.fields\` emptied, a sensitive value stored in clear" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker time "$T/t.log"
row "a record's time moved before its writer's previous record" "$T/t.log"
cp "$T/log" "$T/t.log"; attacker drop-last "$T/t.log"
row "a run killed before its closing checkpoint (last line gone)" "$T/t.log"

# A writer killed with SIGKILL mid-run, for real: the whole adult data set on one thread,
# killed once its first round of 2048 records (and the checkpoints among them) is on disk.
"$BIN" explain --model $MODEL --data datasets/adult.csv --format json --threads 1 \
  --audit "$T/killed.log" --sign-key "$T/key" --checkpoint-every 1000 >/dev/null 2>&1 &
writer=$!
for _ in $(seq 1 1200); do
  [ -f "$T/killed.log" ] && [ "$(wc -l <"$T/killed.log")" -ge 2050 ] && break
  sleep 0.05
done
kill -9 "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
killed="a writer killed with \`kill -9\` mid-run"
tail -n 1 "$T/killed.log" | grep -q '"type":"checkpoint"' && killed="$killed (it finished first: nothing unsealed)"
row "$killed" "$T/killed.log" own
printf '| %s | %s | %s | %s | %s |\n' "the same, with \`--allow-unsealed-tail\`" "—" \
  "$(verdict "$T/killed.log" --public-key "$T/key.pub" --allow-unsealed-tail)" "—" "—"

old=Tests/Fixtures/audit/signed-before-log-store.log
printf '| %s | %s | %s | %s | %s |\n' "none: a log written before this change ($old)" "$(verdict $old)" \
  "$(verdict $old --public-key Tests/Fixtures/audit/signed-before-log-store.key.pub)" "—" "$(verdict $old --card $CARD)"
