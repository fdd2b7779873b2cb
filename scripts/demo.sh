#!/usr/bin/env bash
# Install what is needed, build mica, and run the flagship demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
./build/sim/mica run hello --check each --stats
echo
echo "More: ./build/sim/mica list; ./build/sim/mica run echo --trace echo.json (open it in https://ui.perfetto.dev)"
