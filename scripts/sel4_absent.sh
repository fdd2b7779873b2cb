#!/bin/sh
# Print the libsel4 function names (src/sel4/libsel4_functions.txt) that
# <sel4/sel4.h> does not define, one a line.
#
#   scripts/sel4_absent.sh [HEADER_DIR...] [--expect ABSENT_LIST]
#
# HEADER_DIRs hold sel4/*.h (default: include and build/include, the latter
# for the generated sel4/sel4_client.h). With --expect, the names printed
# must be exactly the first words of ABSENT_LIST's lines ("name reason"):
# the exit status is 1 when a name went missing or a listed one exists.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
names="$here/src/sel4/libsel4_functions.txt"
expect=""
dirs=""
while [ $# -gt 0 ]; do
    case "$1" in
    --expect) expect="$2"; shift 2 ;;
    *) dirs="$dirs $1"; shift ;;
    esac
done
[ -n "$dirs" ] || dirs="$here/include $here/build/include"
headers=""
for d in $dirs; do
    for h in "$d"/sel4/*.h; do
        [ -f "$h" ] && headers="$headers $h"
    done
done
[ -n "$headers" ] || { echo "sel4_absent.sh: no sel4/*.h under$dirs" >&2; exit 2; }
# Words that name something the headers define or declare.
defined=$(mktemp)
trap 'rm -f "$defined"' EXIT
cat $headers | grep -o 'seL4_[A-Za-z0-9_]*' | sort -u > "$defined"
missing=$(grep -v '^#' "$names" | grep -v '^$' | sort -u | comm -23 - "$defined")
[ -n "$missing" ] && echo "$missing"
if [ -n "$expect" ]; then
    want=$(grep -v '^#' "$expect" | awk 'NF { print $1 }' | sort -u)
    if [ "$missing" != "$want" ]; then
        echo "sel4_absent.sh: the absent names differ from $expect:" >&2
        printf '%s\n' "$missing" > "$defined.m"; printf '%s\n' "$want" > "$defined.w"
        diff "$defined.w" "$defined.m" >&2 || true
        rm -f "$defined.m" "$defined.w"
        exit 1
    fi
fi
exit 0
