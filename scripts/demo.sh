#!/usr/bin/env bash
# Install what is needed, build the `mica` runner (only it: the example
# systems are compiled into it), and run the flagship demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build sim/mica
./build/sim/mica run hello --check each --stats
echo
echo "More: ./build/sim/mica list; ./build/sim/mica run echo --trace echo.json (open it in https://ui.perfetto.dev)"
