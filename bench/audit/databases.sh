#!/usr/bin/env bash
# What each audit store costs a 10,000-row TreeSHAP batch (adult-xgboost), in one run:
# no audit, --audit FILE, --audit sqlite:PATH, and --audit postgres://... when
# AUDIT_POSTGRES_URL names an empty database's server (results: bench/audit/README.md).
#
#   bench/audit/databases.sh
#   AUDIT_POSTGRES_URL=postgres://auditor@127.0.0.1:5432 REPEATS=5 bench/audit/databases.sh
#   AUDIT_POSTGRES_PID=$(head -n 1 DATADIR/postmaster.pid) ...   # also the server's CPU time
#
# Configurations run interleaved, REPEATS times; the medians of wall and CPU time (user +
# system, of the glassbox process) are reported, with each store's CPU overhead over the
# plain run per record and as a multiple of the file store's. A PostgreSQL server's work is
# not in glassbox's CPU; with AUDIT_POSTGRES_PID (the postmaster's pid, on this machine) the
# CPU its backends used during each run is reported too (the postmaster's reaped children's
# times, /proc/PID/stat). Each audited run starts an empty log (a new file, a new SQLite
# file, a new PostgreSQL database), and each kind of log is verified once.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROWS=${ROWS:-10000}
REPEATS=${REPEATS:-5}
source bench/glassbox_binary.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/glassbox-audit-db-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
head -n $((ROWS + 1)) datasets/adult.csv > "$TMP/batch.csv"

seconds() {
  local TIMEFORMAT="%3R %3U %3S"
  { time "$@" > /dev/null; } 2> "$TMP/time"
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$TMP/time"
}
median() { sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }

# CPU seconds of the PostgreSQL server's reaped backends so far (0 without AUDIT_POSTGRES_PID).
server_cpu() {
  [[ -n "${AUDIT_POSTGRES_PID:-}" ]] || { echo 0; return; }
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.3f\n", ($12 + $13 + $14 + $15) / hz }' "/proc/$AUDIT_POSTGRES_PID/stat"
}
: > "$TMP/server"
kinds=(plain file sqlite)
[[ -n "${AUDIT_POSTGRES_URL:-}" ]] && kinds+=(postgres)
base=(explain --model models/adult-xgboost.json --data "$TMP/batch.csv" --format json --out "$TMP/out.jsonl" --quiet)
for kind in "${kinds[@]}"; do : > "$TMP/$kind"; done
for r in $(seq "$REPEATS"); do
  for kind in "${kinds[@]}"; do
    case $kind in
      plain) audit=() ;;
      file) rm -f "$TMP/a.log"; audit=(--audit "$TMP/a.log") ;;
      sqlite) rm -f "$TMP/a.db" "$TMP/a.db-wal" "$TMP/a.db-shm"; audit=(--audit "sqlite:$TMP/a.db") ;;
      postgres)
        db=glassbox_bench_$$_$r
        psql -X -q "$AUDIT_POSTGRES_URL/postgres" -c "CREATE DATABASE $db"
        audit=(--audit "$AUDIT_POSTGRES_URL/$db") ;;
    esac
    server_before=$(server_cpu)
    seconds "$GLASSBOX" "${base[@]}" "${audit[@]}" >> "$TMP/$kind"
    [[ $kind == postgres ]] && echo "$(server_cpu) - $server_before" | bc -l >> "$TMP/server"
  done
done
"$GLASSBOX" audit verify "$TMP/a.log" > /dev/null || echo "warning: the file log does not verify" >&2
"$GLASSBOX" audit verify "sqlite:$TMP/a.db" > /dev/null || echo "warning: the SQLite log does not verify" >&2
if [[ -n "${AUDIT_POSTGRES_URL:-}" ]]; then
  "$GLASSBOX" audit verify "$AUDIT_POSTGRES_URL/$db" > /dev/null || echo "warning: the PostgreSQL log does not verify" >&2
  for r in $(seq "$REPEATS"); do psql -X -q "$AUDIT_POSTGRES_URL/postgres" -c "DROP DATABASE glassbox_bench_$$_$r"; done
fi

echo "rows=$ROWS repeats=$REPEATS cores=$(nproc) load=$(cut -d ' ' -f 1-3 /proc/loadavg) binary=$GLASSBOX"
printf "| store | wall (s) | CPU (s) | CPU overhead vs plain | CPU per record | x file's overhead |\n|---|---|---|---|---|---|\n"
pc=$(cut -d ' ' -f 2 "$TMP/plain" | median)
fc=$(cut -d ' ' -f 2 "$TMP/file" | median)
for kind in "${kinds[@]}"; do
  w=$(cut -d ' ' -f 1 "$TMP/$kind" | median); c=$(cut -d ' ' -f 2 "$TMP/$kind" | median)
  if [[ $kind == plain ]]; then printf "| plain | %s | %s | — | — | — |\n" "$w" "$c"; continue; fi
  printf "| %s | %s | %s | %+.3f s (%+.1f%%) | %.1f µs | %.2f |\n" "$kind" "$w" "$c" "$(echo "$c - $pc" | bc -l)" \
    "$(echo "($c / $pc - 1) * 100" | bc -l)" "$(echo "($c - $pc) * 1000000 / $ROWS" | bc -l)" \
    "$(echo "($c - $pc) / ($fc - $pc)" | bc -l)"
done
if [[ -n "${AUDIT_POSTGRES_PID:-}" && -n "${AUDIT_POSTGRES_URL:-}" ]]; then
  s=$(median < "$TMP/server")
  printf "\nPostgreSQL server CPU per run (median): %s s, %.1f µs per record\n" "$s" "$(echo "$s * 1000000 / $ROWS" | bc -l)"
fi
