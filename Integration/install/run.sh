#!/usr/bin/env bash
# make install into a staging folder (DESTDIR), then: every installed file is there, the
# completions parse in their shells where installed, the man page renders, and README examples
# run as typed with only the installed glassbox on the PATH. make uninstall removes every file.
set -euo pipefail
cd "$(dirname "$0")/../.."
stage=$(mktemp -d)
scratch=$(mktemp -d)
trap 'rm -rf "$stage" "$scratch"' EXIT
make --no-print-directory install DESTDIR="$stage" PREFIX=/usr/local CONFIGURATION="${CONFIGURATION:-debug}" \
  > "$scratch/install.log"
prefix="$stage/usr/local"
files=(bin/glassbox share/man/man1/glassbox.1 share/bash-completion/completions/glassbox
  share/zsh/site-functions/_glassbox share/fish/vendor_completions.d/glassbox.fish)
for f in "${files[@]}"; do
  [ -s "$prefix/$f" ] || { echo "install: $f missing or empty" >&2; exit 1; }
done
echo "install: ${#files[@]} files installed"
bash -n "$prefix/share/bash-completion/completions/glassbox"
if command -v zsh > /dev/null; then zsh -n "$prefix/share/zsh/site-functions/_glassbox"; fi
if command -v fish > /dev/null; then fish --no-execute "$prefix/share/fish/vendor_completions.d/glassbox.fish"; fi
# The bash completion offers the subcommands.
completions=$(bash -c "source '$prefix/share/bash-completion/completions/glassbox'; COMP_WORDS=(glassbox ''); COMP_CWORD=1; COMP_LINE='glassbox '; COMP_POINT=9; _glassbox; echo \"\${COMPREPLY[*]}\"")
for c in explain inspect check audit bias; do
  [[ " $completions " == *" $c "* ]] || { echo "install: bash completion lacks $c: $completions" >&2; exit 1; }
done
if command -v man > /dev/null; then
  MANWIDTH=80 man -l "$prefix/share/man/man1/glassbox.1" 2>/dev/null | grep -q "Exit status" \
    || { echo "install: the man page does not render with its exit codes" >&2; exit 1; }
fi
# README examples as typed, from a folder holding the shipped models and data, with the
# installed binary first on the PATH and no build folder in reach.
ln -s "$PWD/models" "$scratch/models"
ln -s "$PWD/datasets" "$scratch/datasets"
(
  cd "$scratch"
  export PATH="$prefix/bin:/usr/bin:/bin" NO_COLOR=1
  [ "$(command -v glassbox)" = "$prefix/bin/glassbox" ]
  glassbox explain --model models/adult-xgboost.json --data datasets/adult.csv --rows 1 --format table \
    | grep -q "prediction  -0.667  (probability 0.339)"
  glassbox inspect --model models/adult-logistic.json > /dev/null
  glassbox check --model models/adult-logistic.json --data datasets/adult-test.csv --format json > /dev/null
)
echo "install: README examples run with the installed binary"
make --no-print-directory uninstall DESTDIR="$stage" PREFIX=/usr/local CONFIGURATION="${CONFIGURATION:-debug}" > /dev/null
left=$(find "$stage" -type f | wc -l)
[ "$left" -eq 0 ] || { echo "install: uninstall left $left files" >&2; exit 1; }
echo "install: uninstall removed every file"
