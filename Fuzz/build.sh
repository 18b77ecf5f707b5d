#!/usr/bin/env bash
# Builds the libFuzzer targets (docs/fuzzing.md) into .build-fuzz/targets/.
#
# 1. SwiftPM compiles the glassbox modules with -sanitize=fuzzer,address in its own build
#    folder (.build-fuzz), so the normal .build stays as it is.
# 2. Each Fuzz/Targets/NAME.swift, with Fuzz/Support/*.swift, is compiled and linked
#    against those modules' objects into .build-fuzz/targets/NAME; libFuzzer supplies main.
#
# Usage: Fuzz/build.sh [NAME...]   (no name: every target)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
SCRATCH=.build-fuzz
SANITIZE=-sanitize=fuzzer,address
OUT=$SCRATCH/targets
mkdir -p "$OUT"

started=$(date +%s)
# Reuse the dependencies the normal build already fetched, if any.
if [ ! -d "$SCRATCH/checkouts" ] && [ -d .build/checkouts ]; then
  cp -r .build/checkouts .build/repositories "$SCRATCH"/ 2>/dev/null || true
fi
# GlassboxAudit depends on every module a target uses (system, numerics, data, models,
# explainers, swift-crypto); swift-crypto's C code (BoringSSL) is not instrumented.
nice -n 10 "$SWIFT" build -c release --scratch-path "$SCRATCH" -Xswiftc "$SANITIZE" --target GlassboxAudit
BIN=$SCRATCH/release

objects() {  # the object files of the named SwiftPM targets
  for target in "$@"; do find "$BIN/$target.build" -name '*.o'; done
}
DATA_OBJECTS=$(objects GlassboxSystem GlassboxNumerics GlassboxData GlassboxModels SwiftProtobuf)
AUDIT_OBJECTS="$DATA_OBJECTS $(objects GlassboxExplainers GlassboxAudit Crypto CryptoBoringWrapper CCryptoBoringSSL CCryptoBoringSSLShims)"
MODULE_MAPS=(-Xcc -fmodule-map-file=Sources/COpenBLAS/module.modulemap)
for map in $(find "$BIN" -maxdepth 2 -name module.modulemap) \
  $(find "$SCRATCH/checkouts/swift-crypto/Sources" -path '*include/module.modulemap' 2>/dev/null); do
  MODULE_MAPS+=(-Xcc "-fmodule-map-file=$map")
done

if [ $# -eq 0 ]; then
  set -- $(cd Fuzz/Targets && ls *.swift | sed 's/\.swift$//')
fi
for name in "$@"; do
  case "$name" in
    audit) linked=$AUDIT_OBJECTS ;;
    *) linked=$DATA_OBJECTS ;;
  esac
  echo "linking $OUT/$name"
  # shellcheck disable=SC2086  # the object lists are word lists
  nice -n 10 "$SWIFTC" -O -g "$SANITIZE" -parse-as-library -module-name "fuzz_$name" \
    -I "$BIN/Modules" "${MODULE_MAPS[@]}" \
    Fuzz/Support/*.swift "Fuzz/Targets/$name.swift" $linked -lopenblas -llapacke \
    -o "$OUT/$name" 2> >(grep -v "Cannot export local symbol '__asan" >&2)
done
echo "fuzz build: $(( $(date +%s) - started )) s"
