#!/bin/sh
# After `meson install`, a Microkit system outside the repo builds and runs
# as the docs show: each protection domain's program image with
#   cc -shared -fPIC -o hello.elf hello.c $(pkg-config --cflags --libs mica-microkit)
# and the system with the installed runner: mica microkit hello.system.
# Installs into a scratch DESTDIR.
set -eu
build="$1"
sanitize="${2:-none}"      # the build's b_sanitize (install_scratch.sh needs it)
. "$(dirname "$0")/install_scratch.sh"
root="$tmp/root$prefix"
mica="$root/bin/mica"
mkpc=$(dirname "$pc")/mica-microkit.pc
[ -f "$mkpc" ] || { echo "mica-microkit.pc was not installed"; exit 1; }
[ -x "$mica" ] || { echo "the mica runner was not installed at $prefix/bin/mica"; exit 1; }
grep -v '^prefix=' "$mkpc" | grep -q '=/' &&
    { echo "mica-microkit.pc has absolute paths besides prefix="; cat "$mkpc"; exit 1; }
# The scratch tree stands where the .pc says it is: only prefix= changes.
sed -i "s|^prefix=.*|prefix=$root|" "$mkpc"
export PKG_CONFIG_PATH=$(dirname "$mkpc")
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR 2>/dev/null || true

# What the flags point at: the header and the archive.
incdir=$(pkg-config --variable=includedir mica-microkit)
libdir=$(pkg-config --variable=libdir mica-microkit)
[ -f "$incdir/microkit.h" ] || { echo "microkit.h is not in $incdir"; exit 1; }
[ -f "$incdir/sel4/sel4.h" ] || { echo "sel4/sel4.h (which microkit.h includes) is not in $incdir"; exit 1; }
[ -f "$libdir/libmicrokit.a" ] || { echo "libmicrokit.a is not in $libdir"; exit 1; }
# The link flags every image needs: mica's wraps, the image's own symbols
# bound inside it, and libmicrokit's entry pulled in whatever the PD calls.
libs=$(pkg-config --libs mica-microkit)
for f in -lmicrokit --wrap=exit --wrap=longjmp -Wl,--wrap=sigaction -Wl,--wrap=kill \
         -Wl,-Bsymbolic -Wl,--undefined=__mica_microkit_main; do
    case " $libs " in *"$f"[\ ,]*) ;; *) echo "mica-microkit Libs lack $f: $libs"; exit 1 ;; esac
done
cflags=$(pkg-config --cflags mica-microkit)
want=$(pkg-config --variable=task_cflags mica)
for f in $want; do
    case " $cflags " in *" $f "*) ;; *) echo "mica-microkit Cflags lack $f: $cflags"; exit 1 ;; esac
done
echo "microkit.h and libmicrokit.a installed; mica-microkit.pc: $libs"

# A two-PD system: hello's init prints and notifies the listener over
# their channel; the listener prints from notified().
sys="$tmp/sys"
mkdir -p "$sys"
cat > "$sys/hello.c" <<'C'
#include <microkit.h>

/* hello's end of the channel to the listener (hello.system). */
#define TO_LISTENER 5

void init(void)
{
    microkit_dbg_puts("hello: init, notifying the listener\n");
    microkit_notify(TO_LISTENER);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
C
cat > "$sys/listener.c" <<'C'
#include <microkit.h>

/* The listener's end of the same channel: ids are per PD. */
#define FROM_HELLO 9

void init(void)
{
}

void notified(microkit_channel ch)
{
    if (ch == FROM_HELLO)
        microkit_dbg_puts("listener: notified by hello\n");
    else
        microkit_dbg_puts("listener: notified on an unknown channel\n");
}
C
# The listener runs first (higher priority) and waits; hello's notify wakes it.
cat > "$sys/hello.system" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<system>
    <protection_domain name="hello" priority="100">
        <program_image path="hello.elf" />
    </protection_domain>
    <protection_domain name="listener" priority="150">
        <program_image path="listener.elf" />
    </protection_domain>
    <channel>
        <end pd="hello" id="5" />
        <end pd="listener" id="9" />
    </channel>
</system>
X
expected="hello: init, notifying the listener
listener: notified by hello"

# stderr of a clean run: empty but for ASan's warning on swapcontext.
quiet_stderr() {
    grep -v -E -e "^==[0-9]+==WARNING: ASan doesn't fully support makecontext/swapcontext" \
            -e '^False positive error reports may follow$' \
            -e '^For details see https://github.com/google/sanitizers/issues/189$' "$1" || true
}

# Runs `mica microkit $2` in directory $1 with a TMPDIR of its own, which
# must be empty again afterwards (the runner's private image copies). Sets
# out, err, rc.
run_mica() {
    rm -rf "$tmp/run" && mkdir -p "$tmp/run"
    rc=0
    (cd "$1" && TMPDIR="$tmp/run" "$mica" microkit "$2") >"$tmp/out" 2>"$tmp/err" || rc=$?
    out=$(cat "$tmp/out")
    err=$(quiet_stderr "$tmp/err")
    [ -z "$(ls -A "$tmp/run")" ] || { echo "mica microkit $2 left $(ls -A "$tmp/run") in TMPDIR"; exit 1; }
}

# Each PD built with exactly the line the docs show, in the system's directory.
(cd "$sys" &&
 cc -shared -fPIC -o hello.elf hello.c $(pkg-config --cflags --libs mica-microkit) &&
 cc -shared -fPIC -o listener.elf listener.c $(pkg-config --cflags --libs mica-microkit))
run_mica "$sys" hello.system
echo "$out"
[ "$rc" = 0 ] || { echo "mica microkit hello.system: exit $rc, stderr: $err"; exit 1; }
[ "$out" = "$expected" ] || { echo "mica microkit hello.system printed the above, not:"; echo "$expected"; exit 1; }
[ -z "$err" ] || { echo "mica microkit hello.system wrote to stderr: $err"; exit 1; }
echo "the installed mica runs a two-PD system built with pkg-config mica-microkit"

# From another directory the images are found next to the description.
run_mica "$tmp" sys/hello.system
[ "$rc" = 0 ] && [ "$out" = "$expected" ] && [ -z "$err" ] ||
    { echo "from $tmp, mica microkit sys/hello.system: exit $rc, out: $out, err: $err"; exit 1; }
run_mica / "$sys/hello.system"
[ "$rc" = 0 ] && [ "$out" = "$expected" ] && [ -z "$err" ] ||
    { echo "from /, mica microkit $sys/hello.system: exit $rc, out: $out, err: $err"; exit 1; }
echo "and from other directories, by relative and absolute path"

# A PD whose code calls only microkit.h's inline functions uses nothing of
# libmicrokit.a: its entry comes in through --undefined, which pkg-config
# prints after -lmicrokit. This one notifies the listener and prints nothing.
cat > "$sys/silent.c" <<'C'
#include <microkit.h>

void init(void)
{
    microkit_notify(5);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
C
sed 's|"hello.elf"|"silent.elf"|' "$sys/hello.system" > "$sys/silent.system"
(cd "$sys" && cc -shared -fPIC -o silent.elf silent.c $(pkg-config --cflags --libs mica-microkit))
nm -D --defined-only "$sys/silent.elf" | grep -q ' T __mica_microkit_main$' ||
    { echo "silent.elf has no __mica_microkit_main: the archive's entry was not pulled in"; exit 1; }
run_mica "$sys" silent.system
[ "$rc" = 0 ] && [ "$out" = "listener: notified by hello" ] && [ -z "$err" ] ||
    { echo "mica microkit silent.system: exit $rc, out: $out, err: $err"; exit 1; }
echo "an image calling only inline functions gets libmicrokit's entry"

# An image linked without libmicrokit (--cflags only): the loader refuses
# it with one line naming the description's line and the image, exit 64.
(cd "$sys" && cc -shared -fPIC -o nolib.elf hello.c $(pkg-config --cflags mica-microkit))
sed 's|"hello.elf"|"nolib.elf"|' "$sys/hello.system" > "$sys/nolib.system"
run_mica "$tmp" sys/nolib.system
want="sys/nolib.system:3: program image 'sys/nolib.elf' is not a loadable shared object: undefined symbol: microkit_dbg_puts"
[ "$rc" = 64 ] && [ -z "$out" ] && [ "$err" = "$want" ] ||
    { echo "mica microkit sys/nolib.system: exit $rc, out: $out, err: $err; wanted exit 64 and: $want"; exit 1; }
echo "$err"
echo "and an image without libmicrokit is refused in one line, exit 64"
