#!/usr/bin/env bash
# A lesson's mistakes are stored as patches against its solution
# (solutions/lessonNN-slug/mistakes/NAME.patch). This script goes both ways:
#
#   scripts/mistake-to-patch.sh solutions/L/mistakes/NAME.rs...
#       Each NAME.rs is a whole wrong lib.rs opening with the three header lines
#       (`//! mistake: ...`, `//! fails: ...`, `//! says: ...`). Writes NAME.patch:
#       those three lines, then `diff -u` of the solution's src/lib.rs against
#       the rest of NAME.rs, with the labels a/src/lib.rs and b/src/lib.rs.
#       Checks that the header plus the patch applied to the solution gives
#       NAME.rs back byte for byte, then deletes NAME.rs.
#
#   scripts/mistake-to-patch.sh --restore solutions/L/mistakes/NAME.patch...
#       The other way, to edit a mistake: writes NAME.rs (the header and the
#       patch applied to the current solution, with `patch`'s fuzz, so a patch
#       the solution moved under can be mended) and keeps NAME.patch until the
#       edited NAME.rs is converted back with the first form.
set -euo pipefail

restore=false
if [ "${1:-}" = "--restore" ]; then
    restore=true
    shift
fi
if [ $# -eq 0 ]; then
    sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

for file in "$@"; do
    dir=$(dirname "$file")
    name=$(basename "$file")
    name=${name%.*}
    solution="$dir/../src/lib.rs"
    if [ "$(basename "$dir")" != mistakes ] || [ ! -f "$solution" ]; then
        echo "$file: not in a solution's mistakes/ folder (no $solution)" >&2
        status=1
        continue
    fi
    if $restore; then
        head -n 3 "$file" >"$tmp/rs"
        if ! tail -n +4 "$file" | patch -s -o "$tmp/lib.rs" "$solution" -r "$tmp/rej"; then
            echo "$file: some hunks did not apply; the rest is in $dir/$name.rs, the rejected hunks in $dir/$name.rej" >&2
            cp "$tmp/rej" "$dir/$name.rej" 2>/dev/null || true
            status=1
        fi
        cat "$tmp/lib.rs" >>"$tmp/rs"
        cp "$tmp/rs" "$dir/$name.rs"
        echo "$dir/$name.rs: edit it, then scripts/mistake-to-patch.sh $dir/$name.rs"
        continue
    fi
    if ! head -n 3 "$file" | paste -sd' ' - | grep -Eq '^//! mistake: .+ //! fails: .+ //! says: .+$'; then
        echo "$file: its first three lines must be //! mistake: ..., //! fails: ..., //! says: ..." >&2
        status=1
        continue
    fi
    tail -n +4 "$file" >"$tmp/body.rs"
    head -n 3 "$file" >"$tmp/patch"
    set +e
    diff -u --label a/src/lib.rs --label b/src/lib.rs "$solution" "$tmp/body.rs" >>"$tmp/patch"
    found=$?
    set -e
    if [ "$found" -ne 1 ]; then
        echo "$file: no difference from the solution (or diff failed): not converted" >&2
        status=1
        continue
    fi
    # The round trip: header + patch applied to the solution == NAME.rs.
    head -n 3 "$tmp/patch" >"$tmp/back.rs"
    tail -n +4 "$tmp/patch" | patch -s -F0 -o "$tmp/applied.rs" "$solution" -r - >/dev/null
    cat "$tmp/applied.rs" >>"$tmp/back.rs"
    if ! cmp -s "$tmp/back.rs" "$file"; then
        echo "$file: the patch does not give it back byte for byte: not converted" >&2
        status=1
        continue
    fi
    cp "$tmp/patch" "$dir/$name.patch"
    rm "$file"
    echo "$dir/$name.patch"
done
exit "$status"
