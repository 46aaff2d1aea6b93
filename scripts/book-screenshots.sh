#!/usr/bin/env bash
# A maintainer's look at the book in a real browser (not part of CI):
# builds the book, opens every page in headless Chromium at 1280 px, saves a
# full-page screenshot of each to target/book-shots/, and fails when a page
# scrolls sideways, a picture is wider than the page, a diagram did not
# render, a page threw a script error, or a Chinese page's text was drawn
# without a Chinese font (boxes). Both books: English in target/book-shots/png,
# Chinese in target/book-shots/png/zh-CN. Look at the screenshots too.
#
#   scripts/book-screenshots.sh [WIDTH]
#
# Needs: mdbook, its preprocessors and mdbook-i18n-helpers (`.ci/run`
# installs them), Chromium (Debian: apt-get install chromium; or set
# CHROMIUM=/path/to/chrome) with a Chinese font (Debian: fonts-noto-cjk),
# Node and npm. playwright-core (a pinned version, no browser download) is
# installed into target/book-shots/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

width=${1:-1280}
playwright_version=1.65.1
shots=target/book-shots

chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "book-screenshots: no Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2; exit 2; }
command -v mdbook >/dev/null || { echo "book-screenshots: mdbook is missing (.ci/run installs it)" >&2; exit 2; }

scripts/book.sh build

if [ "$(cat "$shots/node/node_modules/playwright-core/package.json" 2>/dev/null | sed -n 's/.*"version": "\(.*\)".*/\1/p')" != "$playwright_version" ]; then
    mkdir -p "$shots/node"
    npm install --prefix "$shots/node" --no-save --no-audit --no-fund "playwright-core@$playwright_version" >/dev/null
fi
rm -rf "$shots/png"
cp scripts/book-screenshots.mjs "$shots/node/"
status=0
CHROMIUM=$chromium node "$shots/node/book-screenshots.mjs" docs/book "$shots/png" "$width" || status=1
CHROMIUM=$chromium node "$shots/node/book-screenshots.mjs" docs/book/zh-CN "$shots/png/zh-CN" "$width" || status=1
exit "$status"
