# Sourced by the bench scripts: sets GLASSBOX to the release binary they time.
#   GLASSBOX=path/to/glassbox bench/...   # time another binary (it must exist)
# Without GLASSBOX: .build/release/glassbox, built as `make build` builds it (an
# incremental no-op when it is current), so every bench times the same binary.
# Expects the current directory to be the repository root.
if [[ -n "${GLASSBOX:-}" ]]; then
  [[ -x "$GLASSBOX" ]] || { echo "GLASSBOX=$GLASSBOX is not an executable" >&2; exit 1; }
else
  GLASSBOX=$(pwd)/.build/release/glassbox
  echo "building $GLASSBOX (swift build -c release --product glassbox)" >&2
  swift build -c release --product glassbox >&2
fi
