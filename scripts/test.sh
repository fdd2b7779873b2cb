#!/usr/bin/env bash
# Install what is needed, build mica plain and with ASan+UBSan, run every
# test suite in both builds, the multiprocessor suite under ThreadSanitizer,
# and bounded fuzz campaigns in the ASan build,
# and end with one line: "N passed, M failed" (N and M count Check's
# individual tests across all suites and builds, and each fuzz campaign).
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
# Stack use-after-return and use-after-scope checks are off: mica abandons kernel
# frames when it restarts or resumes a thread on another stack, and their stale
# scope poison is then misreported on live locals (README "Testing").
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args='-fno-sanitize-recover=all -fno-sanitize-address-use-after-scope' -Dbench=false || status=1

# ThreadSanitizer on the multiprocessor suite (the other suites run one CPU,
# one host thread at a time). Contexts are followed as TSan fibers; the
# suppressions and the tests TSan cannot run are explained in
# tests/tsan.supp and README "Testing".
run_tsan() {
    local dir=build-tsan
    if [ ! -d "$dir" ]; then
        meson setup "$dir" -Db_sanitize=thread -Db_lundef=false -Dbench=false >/dev/null ||
            { echo "meson setup $dir failed"; return 1; }
    fi
    ninja -C "$dir" tests/test_smp >/dev/null || { ninja -C "$dir" tests/test_smp; echo "build in $dir failed"; return 1; }
    echo "== tests in $dir (suite smp)"
    TSAN_OPTIONS="halt_on_error=1:suppressions=$PWD/tests/tsan.supp" \
        meson test -C "$dir" --no-rebuild --print-errorlogs smp || return 1
}
run_tsan || status=1

# Random system-call campaigns with the invariant checker after every kernel
# entry, in the ASan+UBSan build (README "Fuzzing"): one test per seed,
# passed when mica-fuzz ends with 0 violations. Two at a time (2 cores).
# The seeds in MICA_FUZZ_VSPACE_SEEDS also start threads on stacks in their
# VSpace, which the tasks unmap and overwrite under them. The seeds in
# MICA_FUZZ_SMP_SEEDS run on two simulated CPUs, their tasks in parallel;
# they do fewer operations (MICA_FUZZ_SMP_SYSCALLS): each CPU waits for the
# kernel lock while another runs the checker.
fuzz_campaigns() {
    local dir=build-asan/fuzz-logs fz=build-asan/tests/fuzz/mica-fuzz seed c campaigns=()
    [ -f build-asan/build.ninja ] || return 1      # no build: counted as a failure below
    rm -rf "$dir" && mkdir -p "$dir"
    if ! ninja -C build-asan tests/fuzz/mica-fuzz >/dev/null 2>&1; then
        echo "fuzz campaign: failed (mica-fuzz did not build)" > "$dir/summary.txt"
        return 1
    fi
    echo "== fuzz campaigns in build-asan"
    # Each campaign: seed, operations, extra options.
    for seed in ${MICA_FUZZ_SMP_SEEDS-4}; do
        campaigns+=("$seed ${MICA_FUZZ_SMP_SYSCALLS:-40000} --cpus 2")
    done
    for seed in ${MICA_FUZZ_SEEDS:-1 2 3}; do
        c="$seed ${MICA_FUZZ_SYSCALLS:-200000}"
        case " ${MICA_FUZZ_VSPACE_SEEDS-3} " in *" $seed "*) c="$c --vspace-stacks" ;; esac
        campaigns+=("$c")
    done
    for c in "${campaigns[@]}"; do
        (
            set -- $c
            seed=$1 n=$2; shift 2
            extra="$*" log="$dir/seed-$seed.log"
            case " $extra " in *" --cpus "*) log="$dir/seed-$seed-cpus.log" ;; esac
            if "$fz" --seed "$seed" --tasks 8 --syscalls "$n" \
                    --check each --quiet "$@" >"$log" 2>&1; then r=passed; else r=failed; fi
            echo "fuzz campaign seed $seed${extra:+ $extra}: $r ($(tail -n 1 "$log"))" >>"$dir/summary.txt"
            [ "$r" = passed ] || grep -v '^==[0-9]*==WARNING\|^False positive\|^For details' "$log"
        ) &
        while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
    done
    wait
    cat "$dir/summary.txt"
    ! grep -q ': failed' "$dir/summary.txt"
}
fuzz_campaigns || status=1

# Sum Check's per-suite summaries from both builds' logs.
python3 - <<'PY' || status=1
import re, sys
passed = failed = 0
for log in ("build/meson-logs/testlog.txt", "build-asan/meson-logs/testlog.txt",
            "build-tsan/meson-logs/testlog.txt"):
    try:
        text = open(log, errors="replace").read()
    except OSError:
        print(f"missing {log}"); failed += 1; continue
    for m in re.finditer(r"^\d+%: Checks: (\d+), Failures: (\d+), Errors: (\d+)", text, re.M):
        n, f, e = map(int, m.groups())
        passed += n - f - e
        failed += f + e
# Each fuzz campaign counts as one test.
try:
    for line in open("build-asan/fuzz-logs/summary.txt", errors="replace"):
        if line.startswith("fuzz campaign"):
            if ": passed" in line:
                passed += 1
            else:
                failed += 1
except OSError:
    print("missing build-asan/fuzz-logs/summary.txt"); failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
exit $status
