#!/usr/bin/env bash
# Install what is needed, build mica plain and with ASan+UBSan, run every
# test suite in both builds, and end with one line: "N passed, M failed"
# (N and M count Check's individual tests across all suites and builds).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1

status=0
run_build() {   # dir, extra meson options...
    local dir=$1; shift
    if [ ! -d "$dir" ]; then
        meson setup "$dir" "$@" >/dev/null || { echo "meson setup $dir failed"; return 1; }
    fi
    ninja -C "$dir" >/dev/null || { ninja -C "$dir"; echo "build in $dir failed"; return 1; }
    echo "== tests in $dir"
    meson test -C "$dir" --print-errorlogs --num-processes 2 ${MICA_TEST_ARGS:-} || return 1
}

run_build build || status=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fno-sanitize-recover=all -Dbench=false || status=1

# Sum Check's per-suite summaries from both builds' logs.
python3 - <<'PY' || status=1
import re, sys
passed = failed = 0
for log in ("build/meson-logs/testlog.txt", "build-asan/meson-logs/testlog.txt"):
    try:
        text = open(log, errors="replace").read()
    except OSError:
        print(f"missing {log}"); failed += 1; continue
    for m in re.finditer(r"^\d+%: Checks: (\d+), Failures: (\d+), Errors: (\d+)", text, re.M):
        n, f, e = map(int, m.groups())
        passed += n - f - e
        failed += f + e
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
exit $status
