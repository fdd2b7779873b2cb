#!/bin/sh
# Regenerate tests/idl/golden/ from the .mi files next to this script, after
# a deliberate change to mica-idlc's output: update-golden.sh BUILD_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
idlc=$(cd "${1:-build}" && pwd)/tools/idlc/mica-idlc
cd "$here"
for mi in common fs ns all_types; do
    "$idlc" --out golden "$mi.mi"
done
