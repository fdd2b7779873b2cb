#!/bin/sh
# The seL4 test programs of this directory build outside the tree against an
# installed mica with nothing but
#     cc prog.c $(pkg-config --cflags --libs mica)
# (prog.c next to its sel4test.h) and pass. Installs into a scratch DESTDIR.
# Usage: check_install_sel4.sh BUILD_DIR SOURCE_DIR B_SANITIZE PROGRAM...
set -eu
build="$1"
src="$2"
sanitize="$3"
shift 3
. "$(dirname "$0")/../install_scratch.sh"
# pkg-config finds the scratch install as it would find /usr/local's.
mkdir "$tmp/pc"
sed "s|^prefix=.*|prefix=$tmp/root$prefix|" "$pc" > "$tmp/pc/mica.pc"
export PKG_CONFIG_PATH="$tmp/pc"
cp "$src/tests/sel4/sel4test.h" "$tmp/"
cd "$tmp"
for prog in "$@"; do
    cp "$src/tests/sel4/$prog.c" "$tmp/"
    echo "cc $prog.c \$(pkg-config --cflags --libs mica) -o $prog"
    # shellcheck disable=SC2046
    cc $extra "$prog.c" $(pkg-config --cflags --libs mica) -o "$prog"
    out=$(python3 "$src/tests/sel4/run_checks.py" "./$prog") || { echo "$out"; exit 1; }
    echo "$out" | tail -n 1
done
echo "seL4 programs built with cc prog.c \$(pkg-config --cflags --libs mica) pass"
