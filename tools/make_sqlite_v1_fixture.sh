#!/usr/bin/env bash
# Writes Tests/Fixtures/audit/sqlite-schema-v1.db (and its public key) with a glassbox that
# writes SQLite schema version 1, i.e. built from a commit before schema version 2 (b887184
# was used). The tests check that the current code reads it as it is and migrates it when
# appending (Tests/GlassboxAuditTests/SQLiteSchemaVersionTests.swift).
#
#   GLASSBOX=/path/to/old/glassbox tools/make_sqlite_v1_fixture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${GLASSBOX:?set GLASSBOX to a glassbox binary that writes schema version 1}"
out=Tests/Fixtures/audit
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/v1.db
"$GLASSBOX" audit keygen --out "$tmp/key" > /dev/null
# Two runs (two processes, two models), signed checkpoints every 4 records.
"$GLASSBOX" explain --model models/adult-logistic.json --data datasets/adult.csv --rows 0-4 --format json \
  --audit "sqlite:$db" --sign-key "$tmp/key" --checkpoint-every 4 --out "$tmp/a.jsonl"
"$GLASSBOX" explain --model models/adult-xgboost.json --data datasets/adult.csv --rows 5-6 --format json \
  --audit "sqlite:$db" --sign-key "$tmp/key" --checkpoint-every 4 --out "$tmp/b.jsonl"
version=$(sqlite3 "$db" "SELECT MAX(version) FROM glassbox_schema")
[ "$version" = 1 ] || { echo "make_sqlite_v1_fixture: $GLASSBOX wrote schema version $version, not 1" >&2; exit 1; }
# One file, no WAL beside it.
sqlite3 "$db" "PRAGMA journal_mode = DELETE" > /dev/null
"$GLASSBOX" audit verify "sqlite:$db" --public-key "$tmp/key.pub"
cp "$db" "$out/sqlite-schema-v1.db"
cp "$tmp/key.pub" "$out/sqlite-schema-v1.key.pub"
