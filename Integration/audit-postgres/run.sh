#!/usr/bin/env bash
# Audit trails in PostgreSQL against a real server (issue #20). Installs PostgreSQL from Debian's
# packages when initdb is missing, makes a cluster in a temporary folder owned by an unprivileged
# user, starts it on 127.0.0.1 on a free port, runs the checks below against the built binary
# (.build/debug/glassbox, or $GLASSBOX), and stops only the server it started.
#   - explain --audit postgres://... writes records that verify; show, export, replay read them;
#   - audit copy file -> postgres -> file gives back the same bytes and head;
#   - 8 processes x 1,000 records: one chain, all 8,000 records;
#   - changed, deleted, inserted, duplicated, reordered lines and edited query tables, made
#     with psql, are caught by audit verify (exit 1, the right seq);
#   - signed checkpoints verify with the key; export --format dsse envelopes are checked
#     independently (Python's cryptography and openssl, PAE built by hand);
#   - a log larger than a reader's page (8,000 lines, pages of 1,000) is read whole by
#     verify, show, export and replay;
#   - TLS: the server runs with ssl=on and a certificate from a throwaway authority made with
#     openssl; one database accepts TLS connections only. sslmode=require, verify-ca and
#     verify-full (with sslrootcert) append and verify over TLS; an untrusted certificate,
#     a host name the certificate does not name, and a plain connection to the TLS-only
#     database each fail with one line on stderr and exit 69.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
glassbox=${GLASSBOX:-$root/.build/debug/glassbox}
[ -x "$glassbox" ] || { echo "audit-postgres: no binary at $glassbox; run 'make build' first" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$initdb" ]; then
  echo "audit-postgres: installing postgresql from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
  initdb=$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
fi
bin=$(dirname "$initdb")

# The server runs as an unprivileged user: this one, or 'postgres' when this is root.
work=$(mktemp -d /tmp/glassbox-pg.XXXXXX)
chmod 755 "$work"
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  run_pg() { runuser -u postgres -- "$@"; }
else
  owner=$(id -un)
  run_pg() { "$@"; }
fi
mkdir "$work/data" "$work/socket"
chown "$owner" "$work/data" "$work/socket"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
password=glassbox-$RANDOM$RANDOM
echo "$password" > "$work/pwfile"; chmod 644 "$work/pwfile"
run_pg "$bin/initdb" -D "$work/data" -U auditor --pwfile="$work/pwfile" --auth-host=scram-sha-256 --auth-local=trust >"$work/initdb.log"

# TLS: an authority and a server certificate for the name 'localhost' (not for 127.0.0.1),
# and another authority that signed nothing here. The database 'tlsonly' refuses plain TCP.
tls=$work/tls; mkdir "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=glassbox test authority" \
  -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another authority" \
  -keyout "$tls/other.key" -out "$tls/other.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' > "$tls/server.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
  -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
cp "$tls/server.pem" "$tls/server.key" "$work/data/"
chown "$owner" "$work/data/server.pem" "$work/data/server.key"; chmod 600 "$work/data/server.key"
chmod 644 "$tls"/*.pem
{ echo "hostnossl tlsonly all 127.0.0.1/32 reject"; cat "$work/data/pg_hba.conf"; } > "$work/hba" && cp "$work/hba" "$work/data/pg_hba.conf"
started=0
stop_server() {
  if [ "$started" -eq 1 ]; then run_pg "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null || true; fi
  rm -rf "$work"
}
trap stop_server EXIT
run_pg "$bin/pg_ctl" -D "$work/data" -l "$work/socket/server.log" -w \
  -o "-p $port -k $work/socket -c listen_addresses=127.0.0.1 -c max_connections=40 -c ssl=on -c ssl_cert_file=server.pem -c ssl_key_file=server.key" start >/dev/null
started=1
echo "audit-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($work)"

export PGPASSWORD=$password
psql() { command "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U auditor "$@"; }
newdb() { psql -d postgres -c "CREATE DATABASE $1" >/dev/null; echo "postgres://auditor@127.0.0.1:$port/$1"; }
failures=0
check() { # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name" >&2; failures=$((failures + 1)); fi
}
explain() { # explain LOG ROWS [flags...]
  local log=$1 rows=$2; shift 2
  "$glassbox" explain --model models/adult-logistic.json --data datasets/adult.csv --rows "$rows" --format json \
    --audit "$log" --out /dev/null "$@"
}
scratch=$work/scratch; mkdir "$scratch"

# 1. Write, verify, show, export, replay.
url=$(newdb trail)
explain "$url" 0-199
out=$("$glassbox" audit verify "$url")
check "verify a PostgreSQL trail" grep -q "intact: 200 record(s)" <<<"$out"
check "show reads it" bash -c "'$glassbox' audit show '$url' --seq 7 | grep -q ' 6 '"
"$glassbox" audit export "$url" --format csv --out "$scratch/phi.csv"
features=$(psql -d trail -tAc "SELECT count(*) FROM attributions WHERE seq = 1")
check "export: one CSV line per record and feature ($features features)" test "$(($(wc -l <"$scratch/phi.csv") - 1))" -eq $((200 * features))
check "replay a record" "$glassbox" audit replay "$url" --seq 7
check "the password is in no message" bash -c "! '$glassbox' audit verify '$url' | grep -q '$password'"
check "records joinable by row" test "$(psql -d trail -tAc "SELECT count(*) FROM records r JOIN attributions a USING (seq) WHERE r.row_index < 10")" -eq $((10 * features))

# 2. Copy file -> postgres -> file: the same bytes.
explain "$scratch/original.log" 0-49
copy=$(newdb copied)
out=$("$glassbox" audit copy "$scratch/original.log" "$copy")
check "copy proves the head" grep -q "proven: both verify, with head sha256:$(tail -n 1 "$scratch/original.log" | tr -d '\n' | sha256sum | cut -c1-64)" <<<"$out"
"$glassbox" audit copy "$copy" "$scratch/back.log" >/dev/null
check "copied back byte for byte" cmp -s "$scratch/original.log" "$scratch/back.log"
check "copy refuses a destination with lines" bash -c "! '$glassbox' audit copy '$scratch/original.log' '$copy' 2>/dev/null"

# 3. Eight processes of 1,000 records each.
shared=$(newdb shared)
pids=()
for w in 0 1 2 3 4 5 6 7; do explain "$shared" "$((w * 1000))-$((w * 1000 + 999))" & pids+=($!); done
status=0; for pid in "${pids[@]}"; do wait "$pid" || status=1; done
check "8 concurrent writers exit 0" test "$status" -eq 0
out=$("$glassbox" audit verify "$shared")
check "8 x 1,000 records: one intact chain" grep -q "intact: 8000 record(s)" <<<"$out"
check "every row once" test "$(psql -d shared -tAc "SELECT count(DISTINCT row_index) FROM records")" -eq 8000

# 4. Tampering made in SQL.
tampered() { # tampered NAME SEQ PATTERN SQL: a fresh copy of original.log, the SQL run on it, verify exit 1 naming SEQ
  local name=$1 seq=$2 pattern=$3 sql=$4 db
  db=tamper_$name
  "$glassbox" audit copy "$scratch/original.log" "$(newdb "$db")" >/dev/null
  psql -d "$db" -c "SET session_replication_role = replica; $sql" >/dev/null
  local status=0 out
  out=$("$glassbox" audit verify "postgres://auditor@127.0.0.1:$port/$db") || status=$?
  check "tampering: $name is caught at seq $seq" bash -c "[ $status -eq 1 ] && grep -q 'FAILED: seq $seq: .*$pattern' <<<'$out'"
}
tampered changed 3 "" "UPDATE audit_lines SET line = convert_to(replace(convert_from(line, 'UTF8'), '\"time\":\"2', '\"time\":\"3'), 'UTF8') WHERE seq = 3"
tampered deleted 4 "" "DELETE FROM reason_codes WHERE seq = 4; DELETE FROM attributions WHERE seq = 4; DELETE FROM records WHERE seq = 4; DELETE FROM audit_lines WHERE seq = 4"
shift_up="UPDATE audit_lines SET seq = seq + 1000 WHERE seq >= 3; UPDATE audit_lines SET seq = seq - 999 WHERE seq >= 1000"
tampered inserted 3 "" "$shift_up; INSERT INTO audit_lines SELECT 3, convert_to(replace(convert_from(line, 'UTF8'), '\"row\":2,', '\"row\":99,'), 'UTF8') FROM audit_lines WHERE seq = 4"
tampered duplicated 5 "" "UPDATE audit_lines SET seq = seq + 1000 WHERE seq >= 5; UPDATE audit_lines SET seq = seq - 999 WHERE seq >= 1000; INSERT INTO audit_lines SELECT 5, line FROM audit_lines WHERE seq = 2"
tampered reordered 3 "" "UPDATE audit_lines SET seq = 100 WHERE seq = 3; UPDATE audit_lines SET seq = 3 WHERE seq = 4; UPDATE audit_lines SET seq = 4 WHERE seq = 100"
tampered attribution 6 "attributions rows differ" "UPDATE attributions SET attribution = attribution + 1e-9 WHERE seq = 6 AND position = 0"
tampered decision 9 "records rows differ" "UPDATE records SET prediction = 0.99 WHERE seq = 9"
tampered reasons 2 "reason_codes rows differ" "DELETE FROM reason_codes WHERE seq = 2"

# 5. Signed checkpoints and DSSE envelopes.
"$glassbox" audit keygen --out "$scratch/key" >/dev/null
signed=$(newdb signed)
explain "$signed" 0-24 --sign-key "$scratch/key" --checkpoint-every 10
out=$("$glassbox" audit verify "$signed" --public-key "$scratch/key.pub")
check "signed checkpoints verify with the key" grep -q "3 signature(s) valid" <<<"$out"
"$glassbox" audit export "$signed" --format dsse --sign-key "$scratch/key" --out "$scratch/checkpoints.dsse.jsonl"
"$glassbox" audit copy "$signed" "$scratch/signed.log" >/dev/null
check "DSSE envelopes check with Python's cryptography" python3 "$root/Integration/audit-postgres/check_dsse.py" \
  "$scratch/checkpoints.dsse.jsonl" "$scratch/key.pub" "$scratch/signed.log"
# openssl, as docs/audit-databases.md tells a reviewer.
printf '302a300506032b6570032100%s' "$(cut -d: -f2 "$scratch/key.pub")" | xxd -r -p |
  openssl pkey -pubin -inform DER -out "$scratch/key.pem"
head -n 1 "$scratch/checkpoints.dsse.jsonl" > "$scratch/envelope.json"
python3 -c 'import json,sys,base64; e=json.load(open(sys.argv[1])); p=base64.b64decode(e["payload"]); t=e["payloadType"].encode()
sys.stdout.buffer.write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(p), p))' "$scratch/envelope.json" > "$scratch/pae.bin"
python3 -c 'import json,sys,base64; sys.stdout.buffer.write(base64.b64decode(json.load(open(sys.argv[1]))["signatures"][0]["sig"]))' \
  "$scratch/envelope.json" > "$scratch/sig.bin"
check "openssl verifies the envelope signature" openssl pkeyutl -verify -pubin -inkey "$scratch/key.pem" -rawin \
  -in "$scratch/pae.bin" -sigfile "$scratch/sig.bin"

# 6. A log larger than a reader's page (1,000 lines): the 8,000 lines of section 3.
out=$("$glassbox" audit verify "$shared")
check "paged: verify reads all 8,000 lines" grep -q "intact: 8000 record(s)" <<<"$out"
"$glassbox" audit export "$shared" --format csv --out "$scratch/shared.csv"
check "paged: export writes every record and feature" test "$(($(wc -l <"$scratch/shared.csv") - 1))" -eq $((8000 * features))
last=$(psql -d shared -tAc "SELECT max(seq) FROM audit_lines")
check "paged: show finds the last line (seq $last)" bash -c "'$glassbox' audit show '$shared' --seq $last | grep -q '^ *$last '"
check "paged: replay the last record" "$glassbox" audit replay "$shared" --seq "$last"

# 7. TLS.
fails_69() { # fails_69 NAME PATTERN COMMAND...: exit 69 and one stderr line matching PATTERN
  local name=$1 pattern=$2 status=0; shift 2
  "$@" >/dev/null 2>"$scratch/err" || status=$?
  check "$name (exit $status, $(wc -l <"$scratch/err") line)" bash -c "[ $status -eq 69 ] && [ \$(wc -l <'$scratch/err') -eq 1 ] && grep -q '$pattern' '$scratch/err'"
  sed 's/^/       /' "$scratch/err"
}
psql -d postgres -c "CREATE DATABASE tlsonly" >/dev/null
base="postgres://auditor@localhost:$port/tlsonly"
explain "$base?sslmode=verify-full&sslrootcert=$tls/ca.pem" 0-99
explain "$base?sslmode=require" 100-149
explain "postgres://auditor@127.0.0.1:$port/tlsonly?sslmode=verify-ca&sslrootcert=$tls/ca.pem" 150-199
out=$("$glassbox" audit verify "$base?sslmode=verify-full&sslrootcert=$tls/ca.pem")
check "TLS: verify-full, require and verify-ca append to one trail; verify over TLS" grep -q "intact: 200 record(s)" <<<"$out"
fails_69 "TLS: a plain connection to the TLS-only database is refused" "no encryption" "$glassbox" audit verify "$base"
fails_69 "TLS: a certificate from another authority is refused" "CERTIFICATE_VERIFY_FAILED" \
  "$glassbox" audit verify "$base?sslmode=verify-full&sslrootcert=$tls/other.pem"
fails_69 "TLS: a self-signed authority is not in the system's trust store" "CERTIFICATE_VERIFY_FAILED" \
  "$glassbox" audit verify "$base?sslmode=verify-full"
fails_69 "TLS: verify-full refuses a host the certificate does not name (an IP address)" "does not name the host" \
  "$glassbox" audit verify "postgres://auditor@127.0.0.1:$port/tlsonly?sslmode=verify-full&sslrootcert=$tls/ca.pem"
fails_69 "TLS: an appender is refused the same way" "CERTIFICATE_VERIFY_FAILED" \
  explain "$base?sslmode=verify-full&sslrootcert=$tls/other.pem" 0-9
status=0; "$glassbox" audit verify "$base?sslmode=sometimes" >/dev/null 2>"$scratch/err" || status=$?
check "TLS: an unknown sslmode is refused before connecting (exit $status)" bash -c "[ $status -ne 0 ] && [ $status -ne 69 ] && grep -q 'sslmode must be one of' '$scratch/err'"

if [ "$failures" -gt 0 ]; then echo "audit-postgres: $failures check(s) failed" >&2; exit 1; fi
echo "audit-postgres: all checks passed"
