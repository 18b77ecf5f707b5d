#!/usr/bin/env bash
# The HTML report in a real browser (issue #19). Installs Debian's chromium when it is missing,
# writes the report of the shipped Adult model (models/adult-xgboost.json) on the whole test set
# (datasets/adult-test.csv) with the built binary ($GLASSBOX, default .build/debug/glassbox), and
# renders it with headless chromium:
#   - --dump-dom: the browser's DOM holds every section, one SVG per plot, and no script;
#   - --screenshot: a PNG that is not blank (many colours, ink on a good share of pixels, and the
#     palette's orange and blue present), decoded with python3's standard library;
#   - --print-to-pdf: a PDF of several pages;
#   - no console messages and no network request (every host name is mapped to nothing);
# and states the HTML size, the time to write it and the time to render it. Starts no server.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
glassbox=${GLASSBOX:-$root/.build/debug/glassbox}
[ -x "$glassbox" ] || { echo "report: no binary at $glassbox; run 'make build' first" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "report: installing chromium from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  browser=$(command -v chromium)
fi
echo "report: $("$browser" --version 2>/dev/null | head -n 1)"

work=$(mktemp -d /tmp/glassbox-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "report: FAIL: $*" >&2; failures=$((failures + 1)); }
now() { date +%s%N; }
millis() { echo $(( ($2 - $1) / 1000000 )); }

# An audit log to tie the page to: ten audited explanations of the same model and data.
"$glassbox" explain --model models/adult-xgboost.json --data datasets/adult-test.csv --rows 0-9 \
  --format json --out "$work/phi.jsonl" --audit "$work/audit.log" --quiet

started=$(now)
"$glassbox" report --model models/adult-xgboost.json --data datasets/adult-test.csv --rows 0,1,2 \
  --protected sex --label income --audit "$work/audit.log" --out "$work/report.html" --quiet
written=$(now)
size=$(stat -c %s "$work/report.html")
echo "report: report.html is $size bytes ($(( size / 1024 )) KiB), written in $(millis "$started" "$written") ms by $glassbox"

# Chromium as root needs --no-sandbox; every host name resolves to nothing, so any request
# to the network fails and shows in the log.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check
  --disable-extensions --disable-background-networking --host-resolver-rules="MAP * ~NOTFOUND"
  --enable-logging=stderr --v=0 --user-data-dir="$work/profile")
url="file://$work/report.html"

"$browser" "${flags[@]}" --dump-dom "$url" >"$work/dom.html" 2>"$work/dom.log" || fail "chromium --dump-dom exited $?"
for id in model-card data-checks importance beeswarm dependence waterfalls bias provenance; do
  grep -q "<section id=\"$id\"" "$work/dom.html" || fail "section $id missing from the rendered DOM"
done
svgs=$(grep -o '<svg ' "$work/dom.html" | wc -l)
[ "$svgs" -ge 9 ] || fail "only $svgs SVG plots in the DOM (expected at least 9)"
grep -qi '<script' "$work/dom.html" && fail "the rendered page holds a script"

started=$(now)
"$browser" "${flags[@]}" --window-size=1000,4000 --screenshot="$work/report.png" "$url" >/dev/null 2>"$work/png.log" \
  || fail "chromium --screenshot exited $?"
rendered=$(now)
render_ms=$(millis "$started" "$rendered")
"$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$work/report.pdf" "$url" >/dev/null 2>"$work/pdf.log" \
  || fail "chromium --print-to-pdf exited $?"
# The same screenshot of an empty page: what starting the browser alone costs.
echo '<!DOCTYPE html><html><body></body></html>' >"$work/empty.html"
started=$(now)
"$browser" "${flags[@]}" --window-size=1000,4000 --screenshot="$work/empty.png" "file://$work/empty.html" >/dev/null 2>&1 || true
empty_ms=$(millis "$started" "$(now)")
echo "report: chromium rendered the PNG in $render_ms ms; an empty page takes $empty_ms ms (browser start)"

# Console messages (a script error, a missing resource) and network attempts.
for log in "$work/dom.log" "$work/png.log" "$work/pdf.log"; do
  if grep -E 'CONSOLE|Uncaught|ERR_NAME_NOT_RESOLVED|ERR_FILE_NOT_FOUND|net::ERR' "$log"; then
    fail "console error or network request in $(basename "$log")"
  fi
done

# The PNG: decoded here (zlib and the five PNG filters), not trusted by its size alone.
python3 - "$work/report.png" <<'PY' || fail "the screenshot looks blank or lacks the palette's colours"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, chunks = 8, {}
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunks.setdefault(kind, []).append(data[pos + 8:pos + 8 + length])
    pos += 12 + length
width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
assert depth == 8 and colour in (2, 6), f"unexpected PNG layout depth {depth} colour {colour}"
channels = 3 if colour == 2 else 4
raw = zlib.decompress(b"".join(chunks[b"IDAT"]))
stride = width * channels
previous = bytearray(stride)
pixels = {}
ink = 0
for y in range(height):
    kind = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b = previous[i]
        c = previous[i - channels] if i >= channels else 0
        if kind == 1: line[i] = (line[i] + a) & 255
        elif kind == 2: line[i] = (line[i] + b) & 255
        elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, channels * 2):  # every other pixel is enough to count
        rgb = bytes(line[x:x + 3])
        pixels[rgb] = pixels.get(rgb, 0) + 1
        if rgb != b"\xff\xff\xff": ink += 1
    previous = line
total = sum(pixels.values())
orange, blue = pixels.get(bytes.fromhex("d55e00"), 0), pixels.get(bytes.fromhex("0072b2"), 0)
print(f"report: PNG {width}x{height}, {len(pixels)} colours, {100 * ink / total:.1f}% of pixels not white, "
      f"{orange} orange and {blue} blue pixels sampled")
assert len(pixels) >= 16 and ink / total >= 0.03 and orange > 50 and blue > 50
PY

pdf_pages=$(grep -ac '/Type /Page$\|/Type /Page[^s]' "$work/report.pdf" || true)
pdf_size=$(stat -c %s "$work/report.pdf")
head -c 5 "$work/report.pdf" | grep -q '%PDF-' || fail "the PDF is not a PDF"
[ "$pdf_size" -gt 20000 ] || fail "the PDF is only $pdf_size bytes"
echo "report: PDF for print: $pdf_size bytes, $pdf_pages page objects"

# The same bytes on a second run (deterministic for a seed).
"$glassbox" report --model models/adult-xgboost.json --data datasets/adult-test.csv --rows 0,1,2 \
  --protected sex --label income --audit "$work/audit.log" --out "$work/again.html" --quiet
cmp -s "$work/report.html" "$work/again.html" || fail "a second run wrote different bytes"

if [ "$failures" -gt 0 ]; then
  echo "report: $failures check(s) failed" >&2
  exit 1
fi
echo "report: all checks passed"
