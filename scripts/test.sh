#!/usr/bin/env bash
# Install what is needed, build mica plain and with ASan+UBSan, run every
# test suite in both builds, the multiprocessor suite under ThreadSanitizer,
# and bounded fuzz campaigns in the ASan build,
# and end with one line: "N passed, M failed" (N and M count Check's
# individual tests across all suites and builds, and each fuzz campaign).
# Every phase prints a line when it starts and one when it ends, with the
# time since the script started and how long the phase took; a build or a
# fuzz phase that runs long says so every 30 seconds. `--help` lists the
# options and knobs.
set -uo pipefail
cd "$(dirname "$0")/.."

usage() {
    cat <<'EOF'
Usage: scripts/test.sh [--quick] [--help]

Build mica and run its tests. Without options: the plain build and all its
suites, the ASan+UBSan build and all its suites, the multiprocessor suite
under ThreadSanitizer, and the fuzz campaigns in the ASan build (on 2 cores,
10 to 15 minutes). The last line is "N passed, M failed": Check's tests across
the builds, and one per fuzz campaign. Exit status 0 when nothing failed.

  --quick    the plain build and its suites only, without suite fuzz (the
             tests that run random campaigns): no sanitizer builds, no
             fuzzing (under 2 minutes on 2 idle cores once built)
  --help     this text

Knobs (environment variables):
  MICA_TEST_ARGS          more arguments for every `meson test`, e.g.
                          "--suite kernel" or "--no-suite smp"
  MICA_TEST_JOBS          tests run at once by `meson test` (default 2)
  MICA_FUZZ_SEEDS         seeds of the one-CPU fuzz campaigns (default "1 2 3")
  MICA_FUZZ_SYSCALLS      operations per one-CPU campaign (default 200000)
  MICA_FUZZ_VSPACE_SEEDS  which of those also run threads on VSpace stacks
                          (default "3")
  MICA_FUZZ_SMP_SEEDS     seeds of the two-CPU campaigns (default "4"; "" = none)
  MICA_FUZZ_SMP_SYSCALLS  operations per two-CPU campaign (default 40000)
  ASAN_OPTIONS, UBSAN_OPTIONS
                          the sanitizers' options for the ASan build (defaults
                          in this script; see docs/testing.md)
EOF
}

quick=0
for a in "$@"; do
    case "$a" in
        --quick) quick=1 ;;
        --help|-h) usage; exit 0 ;;
        *) echo "scripts/test.sh: unknown option '$a' (see --help)" >&2; exit 64 ;;
    esac
done

T0=$SECONDS
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# m:ss since the script started; a duration as 1m12s or 42s.
stamp() { local s=$((SECONDS - T0)); printf '%d:%02d' $((s / 60)) $((s % 60)); }
dur() { if (($1 >= 60)); then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi; }
say() { echo "== [$(stamp)] $*"; }

# Run a command with its output in a log file; every 30 s say it still runs
# (with ninja's latest [done/total]); on failure show the log's tail.
quiet_run() {   # label, log, command...
    local label=$1 log=$2; shift 2
    "$@" >"$log" 2>&1 &
    local pid=$! t=0 step
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        t=$((t + 1))
        if ((t % 30 == 0)); then
            step=$(grep -o '^\[[0-9]*/[0-9]*\]' "$log" | tail -n 1)
            say "$label: still running${step:+ ($step)}"
        fi
    done
    wait "$pid" && return 0
    tail -n 40 "$log"
    return 1
}

# "N passed, M failed" from Check's per-suite summaries in meson's test logs
# (and the fuzz campaigns' summary, if given as fuzz=FILE); exit 1 if M > 0.
count() {
    python3 - "$@" <<'PY'
import re, sys
passed = failed = 0
for arg in sys.argv[1:]:
    if arg.startswith("fuzz="):
        # Each fuzz campaign counts as one test.
        path = arg[5:]
        try:
            for line in open(path, errors="replace"):
                if line.startswith("fuzz campaign"):
                    if ": passed" in line:
                        passed += 1
                    else:
                        failed += 1
        except OSError:
            print(f"missing {path}"); failed += 1
        continue
    try:
        text = open(arg, errors="replace").read()
    except OSError:
        print(f"missing {arg}"); failed += 1; continue
    for m in re.finditer(r"^\d+%: Checks: (\d+), Failures: (\d+), Errors: (\d+)", text, re.M):
        n, f, e = map(int, m.groups())
        passed += n - f - e
        failed += f + e
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
}

say "deps: checking the packages (scripts/deps.sh)"
bash scripts/deps.sh || exit 1

status=0
run_build() {   # dir, extra meson options...
    local dir=$1; shift
    local t=$SECONDS
    say "build in $dir: started"
    if [ ! -f "$dir/build.ninja" ]; then
        quiet_run "build in $dir" "$logs/$dir-setup.log" meson setup "$dir" "$@" ||
            { say "build in $dir: meson setup failed"; return 1; }
    fi
    quiet_run "build in $dir" "$logs/$dir-ninja.log" ninja -C "$dir" ||
        { say "build in $dir: failed ($(dur $((SECONDS - t))))"; return 1; }
    say "build in $dir: done ($(dur $((SECONDS - t))))"
    t=$SECONDS
    say "tests in $dir: started"
    local rc=0
    meson test -C "$dir" --print-errorlogs --num-processes "${MICA_TEST_JOBS:-2}" \
        $quick_args ${MICA_TEST_ARGS:-} || rc=1
    say "tests in $dir: $(count "$dir/meson-logs/testlog.txt" | tail -n 1) ($(dur $((SECONDS - t))))"
    return $rc
}

quick_args=""
[ "$quick" = 1 ] && quick_args="--no-suite fuzz"
run_build build || status=1

if [ "$quick" = 1 ]; then
    say "quick: no sanitizer builds, no fuzzing"
    count build/meson-logs/testlog.txt || status=1
    exit $status
fi

# Stack use-after-return and use-after-scope checks are off: mica abandons kernel
# frames when it restarts or resumes a thread on another stack, and their stale
# scope poison is then misreported on live locals (docs/testing.md).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args='-fno-sanitize-recover=all -fno-sanitize-address-use-after-scope' -Dbench=false || status=1

# ThreadSanitizer on the multiprocessor suite (the other suites run one CPU,
# one host thread at a time). Contexts are followed as TSan fibers; the
# suppressions and the tests TSan cannot run are explained in
# tests/tsan.supp and docs/testing.md.
run_tsan() {
    local dir=build-tsan t=$SECONDS
    say "build in $dir (suite smp): started"
    if [ ! -f "$dir/build.ninja" ]; then
        quiet_run "build in $dir" "$logs/$dir-setup.log" \
            meson setup "$dir" -Db_sanitize=thread -Db_lundef=false -Dbench=false ||
            { say "build in $dir: meson setup failed"; return 1; }
    fi
    quiet_run "build in $dir" "$logs/$dir-ninja.log" ninja -C "$dir" tests/test_smp ||
        { say "build in $dir: failed ($(dur $((SECONDS - t))))"; return 1; }
    say "build in $dir: done ($(dur $((SECONDS - t))))"
    t=$SECONDS
    say "tests in $dir (suite smp): started"
    local rc=0
    TSAN_OPTIONS="halt_on_error=1:suppressions=$PWD/tests/tsan.supp" \
        meson test -C "$dir" --no-rebuild --print-errorlogs smp || rc=1
    say "tests in $dir (suite smp): $(count "$dir/meson-logs/testlog.txt" | tail -n 1) ($(dur $((SECONDS - t))))"
    return $rc
}
run_tsan || status=1

# Random system-call campaigns with the invariant checker after every kernel
# entry, in the ASan+UBSan build (docs/testing.md): one test per seed,
# passed when mica-fuzz ends with 0 violations. Two at a time (2 cores).
# The seeds in MICA_FUZZ_VSPACE_SEEDS also start threads on stacks in their
# VSpace, which the tasks unmap and overwrite under them. The seeds in
# MICA_FUZZ_SMP_SEEDS run on two simulated CPUs, their tasks in parallel;
# they do fewer operations (MICA_FUZZ_SMP_SYSCALLS): each CPU waits for the
# kernel lock while another runs the checker.
fuzz_campaigns() {
    local dir=build-asan/fuzz-logs fz=build-asan/tests/fuzz/mica-fuzz seed c campaigns=()
    local t=$SECONDS
    [ -f build-asan/build.ninja ] || return 1      # no build: counted as a failure below
    rm -rf "$dir" && mkdir -p "$dir"
    if ! ninja -C build-asan tests/fuzz/mica-fuzz >/dev/null 2>&1; then
        echo "fuzz campaign: failed (mica-fuzz did not build)" > "$dir/summary.txt"
        return 1
    fi
    # Each campaign: seed, operations, extra options.
    for seed in ${MICA_FUZZ_SMP_SEEDS-4}; do
        campaigns+=("$seed ${MICA_FUZZ_SMP_SYSCALLS:-40000} --cpus 2")
    done
    for seed in ${MICA_FUZZ_SEEDS:-1 2 3}; do
        c="$seed ${MICA_FUZZ_SYSCALLS:-200000}"
        case " ${MICA_FUZZ_VSPACE_SEEDS-3} " in *" $seed "*) c="$c --vspace-stacks" ;; esac
        campaigns+=("$c")
    done
    say "fuzz campaigns in build-asan: ${#campaigns[@]}, two at a time"
    # A line a minute while campaigns run: none of them prints until it ends.
    (
        trap 'kill "$sp" 2>/dev/null; exit 0' TERM     # stop at once, not after the sleep
        while :; do
            sleep 60 >/dev/null 2>&1 &
            sp=$!
            wait "$sp"
            say "fuzz campaigns: $(grep -c '^fuzz campaign' "$dir/summary.txt" 2>/dev/null || echo 0) of ${#campaigns[@]} done"
        done
    ) &
    local ticker=$!
    for c in "${campaigns[@]}"; do
        (
            set -- $c
            seed=$1 n=$2; shift 2
            extra="$*" log="$dir/seed-$seed.log" start=$SECONDS
            case " $extra " in *" --cpus "*) log="$dir/seed-$seed-cpus.log" ;; esac
            say "fuzz campaign seed $seed${extra:+ $extra}: started ($n operations)"
            if "$fz" --seed "$seed" --tasks 8 --syscalls "$n" \
                    --check each --quiet "$@" >"$log" 2>&1; then r=passed; else r=failed; fi
            line="fuzz campaign seed $seed${extra:+ $extra}: $r ($(tail -n 1 "$log"))"
            echo "$line" >>"$dir/summary.txt"
            say "$line ($(dur $((SECONDS - start))))"
            [ "$r" = passed ] || grep -v '^==[0-9]*==WARNING\|^False positive\|^For details' "$log"
        ) &
        while [ "$(jobs -rp | wc -l)" -ge 3 ]; do wait -n; done    # two campaigns and the ticker
    done
    while [ "$(jobs -rp | wc -l)" -gt 1 ]; do wait -n; done
    kill "$ticker" 2>/dev/null
    wait "$ticker" 2>/dev/null
    say "fuzz campaigns: $(count fuzz="$dir/summary.txt" | tail -n 1) ($(dur $((SECONDS - t))))"
    ! grep -q ': failed' "$dir/summary.txt"
}
fuzz_campaigns || status=1

# Sum Check's per-suite summaries from every build's log, and the campaigns.
say "all phases done"
count build/meson-logs/testlog.txt build-asan/meson-logs/testlog.txt \
    build-tsan/meson-logs/testlog.txt fuzz=build-asan/fuzz-logs/summary.txt || status=1
exit $status
