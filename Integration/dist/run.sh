#!/usr/bin/env bash
# make dist, then run the packed binary with the Swift toolchain's folder out of reach (an empty
# tmpfs mounted over it in a private mount namespace) and compare its output with the
# development build's (GLASSBOX, default the debug build). Needs root for unshare and mount (CI runs as root); says so otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The man page comes from the debug build (the same help text) so that only the static
# release build is compiled here.
make --no-print-directory dist CONFIGURATION="${CONFIGURATION:-debug}" > /tmp/glassbox-dist.log 2>&1 || { tail -20 /tmp/glassbox-dist.log >&2; exit 1; }
tarball=$(ls dist/glassbox-*-linux-*.tar.gz | head -1)
[ -n "$tarball" ] || { echo "dist: no tarball" >&2; exit 1; }
echo "dist: $tarball, $(du -h "$tarball" | cut -f1)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tar -C "$scratch" -xzf "$tarball"
packed=$(ls -d "$scratch"/glassbox-*/bin/glassbox)
for f in share/man/man1/glassbox.1 share/bash-completion/completions/glassbox licenses README.md; do
  [ -e "$(dirname "$(dirname "$packed")")/$f" ] || { echo "dist: $f missing from the tarball" >&2; exit 1; }
done
swift_dir=$(dirname "$(dirname "$(command -v swift)")")
if ldd "$packed" | grep -q "$swift_dir"; then
  echo "dist: the packed binary loads libraries from $swift_dir:" >&2
  ldd "$packed" | grep "$swift_dir" >&2
  exit 1
fi
echo "dist: shared libraries: $(ldd "$packed" | awk '{print $1}' | tr '\n' ' ')"
example=(explain --model models/adult-xgboost.json --data datasets/adult.csv --rows 0-99 --format json)
expected=$("${GLASSBOX:-.build/debug/glassbox}" "${example[@]}")
if [ "$(id -u)" != 0 ]; then
  echo "dist: not root, so the toolchain cannot be hidden; running the packed binary as it is" >&2
  actual=$("$packed" "${example[@]}")
else
  actual=$(unshare -m sh -c "mount -t tmpfs none '$swift_dir' && '$packed' $(printf "'%s' " "${example[@]}")")
  # With the toolchain hidden, a binary that needed it could not start at all.
  hidden=$(unshare -m sh -c "mount -t tmpfs none '$swift_dir' && ls '$swift_dir' | wc -l")
  [ "$hidden" = 0 ] || { echo "dist: the toolchain folder was not hidden" >&2; exit 1; }
fi
[ "$actual" = "$expected" ] || { echo "dist: the packed binary's output differs from the development build's" >&2; exit 1; }
echo "dist: the packed binary, with $swift_dir hidden, prints the same 100 explanations"
