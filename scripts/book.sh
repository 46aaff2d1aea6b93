#!/usr/bin/env bash
# The book, in every language it has: built, checked, and its translation
# catalogues kept in step with the English source.
#
#   scripts/book.sh            build docs/book (English) and docs/book/zh-CN,
#                              then check them (what CI runs)
#   scripts/book.sh build      build both, without the checks
#   scripts/book.sh update-po  merge the English source's messages into
#                              docs/po/*.po (after editing a chapter), and
#                              say how many still need a translation
#
# Checks: every catalogue is complete for the current English text (no
# untranslated, no fuzzy entry), every diagram was drawn, and every link of
# every rendered page resolves offline (lychee). Needs mdbook,
# mdbook-mermaid, mdbook-svgbob, mdbook-i18n-helpers, lychee (`.ci/run`
# installs them at pinned versions) and GNU gettext's msgmerge/msgattrib.
set -euo pipefail
cd "$(dirname "$0")/.."

# The languages besides English, and each one's book title.
languages=(zh-CN)
declare -A titles=(
    [zh-CN]="用 Rust 学网络编程：重写 Python 套接字教程"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The English source's messages, as a template (no line numbers: a message
# moved within its chapter is not a change for translators).
extract() {
    MDBOOK_OUTPUT='{"xgettext": {"pot-file": "messages.pot", "granularity": 0}}' \
        mdbook build docs -d "$work/pot" >"$work/xgettext.log" 2>&1 ||
        { cat "$work/xgettext.log" >&2; exit 1; }
}

# Entries of a catalogue (msgattrib's output) that are not the header.
count_entries() { { grep -c '^msgid ' || true; } | awk '{ print ($1 > 0) ? $1 - 1 : 0 }'; }

if [ "${1:-}" = update-po ]; then
    extract
    for lang in "${languages[@]}"; do
        po=docs/po/$lang.po
        msgmerge --quiet --update --backup=none --no-wrap --no-fuzzy-matching \
            "$po" "$work/pot/messages.pot"
        missing=$(msgattrib --untranslated --no-obsolete "$po" | count_entries)
        echo "$po: $missing messages to translate"
    done
    exit 0
fi

step() { printf '\n==> %s\n' "$*"; }

build_all() {
    rm -rf docs/book
    mdbook build docs
    for lang in "${languages[@]}"; do
        MDBOOK_BOOK__LANGUAGE=$lang MDBOOK_BOOK__TITLE="${titles[$lang]}" \
            mdbook build docs -d "$PWD/docs/book/$lang"
    done
}
if [ "${1:-}" = build ]; then
    build_all
    exit 0
fi

# mdbook-xgettext skips a code block of an unknown language that has no `"`
# in it: a diagram without one would stay English in every translation.
# Mermaid diagrams carry a `%%` comment line with quotes; svgbob drawings
# quote their labels ("text" is drawn as text, never as lines).
step "every diagram is translatable"
if ! awk '
    /^```(mermaid|bob)/ { inside = 1; start = FNR; quoted = 0; next }
    inside && /^```/ { if (!quoted) { printf "%s:%d: a diagram without a quoted label\n", FILENAME, start; bad = 1 } inside = 0; next }
    inside && /"/ { quoted = 1 }
    END { exit bad }' docs/src/*.md; then
    echo "book: quote a label of each diagram above (mermaid: add the line" >&2
    echo '  %% Labels are translated with the text ("po/zh-CN.po").' >&2
    echo "after its opening fence), or the translations cannot reach it" >&2
    exit 1
fi

step "mdbook build docs (English, ${languages[*]})"
build_all

# The preprocessors are optional in book.toml (a reader may have mdBook
# alone); here every diagram must have been drawn, in every language.
if undrawn=$(grep -rl --include='*.html' 'language-bob\|language-mermaid' docs/book); then
    echo "book: diagrams left as code blocks (is a preprocessor missing?) in: $undrawn" >&2
    exit 1
fi

# A catalogue is complete when, merged with the current English text, no
# message lacks its translation and none is fuzzy (a guess by msgmerge that
# the gettext preprocessor would show in English).
step "translations complete for the current English text"
extract
failed=0
for lang in "${languages[@]}"; do
    po=docs/po/$lang.po
    msgmerge --quiet --no-fuzzy-matching "$po" "$work/pot/messages.pot" -o "$work/$lang.po"
    missing=$(msgattrib --untranslated --no-obsolete "$work/$lang.po" | count_entries)
    fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | count_entries)
    echo "$po: $missing untranslated, $fuzzy fuzzy"
    if [ "$missing" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
        msgattrib --untranslated --no-obsolete "$work/$lang.po" | grep -A2 '^#:' | head -20 >&2 || true
        echo "book: $po lags the English text: run scripts/book.sh update-po and translate" >&2
        failed=1
    fi
done
[ "$failed" -eq 0 ] || exit 1

# Every link of every rendered page (the print pages too) must resolve, with
# its #fragment, offline. The check runs on a copy of the books alone in a
# temporary folder: a link that leaves the book's folder is dead there, as it
# is wherever the book is served. A failure names the page (docs/book/X.html
# is docs/src/X.md) and the link.
step "lychee --offline: the books' links"
mkdir -p "$work/nothing/else/here"
cp -r docs/book "$work/nothing/else/here/book"
if ! lychee --offline --include-fragments --no-progress \
    --root-dir "$work/nothing/else/here/book" "$work/nothing/else/here/book"; then
    echo "book: dead links (above: the page, then each link that does not resolve)" >&2
    exit 1
fi
