#!/bin/sh
# After `meson install`, a program outside the repo builds with
#   cc prog.c $(pkg-config --cflags --libs mica)
# and runs a mica system. Installs into a scratch DESTDIR.
set -eu
build="$1"
src="$2"
sanitize="${3:-none}"      # the build's b_sanitize: a sanitized libmica needs the runtime too
. "$(dirname "$0")/install_scratch.sh"
# The second run's root task calls exit(3): the flags wrap it, so the
# thread is stopped and counted and the program goes on (sim/escape.c).
cat > "$tmp/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <mica/mica.h>
static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_error_t e = mica_untyped_retype(bi->untyped.start + 5, MICA_ENDPOINT_OBJECT, 0,
                                         MICA_CAP_INIT_CNODE, 0, 0, bi->empty.start, 1);
    printf("retype: %s\n", mica_error_name(e));
}
static void exits(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    exit(3);
}
int main(void)
{
    mica_config_t cfg;
    mica_run_result_t r;
    mica_config_init(&cfg);
    cfg.quiet = 1;
    if (mica_run(&cfg, root, NULL, &r) != 0)
        return 1;
    printf("stopped: %s\n", mica_stop_reason_name(r.reason));
    if (r.reason != MICA_STOP_IDLE || mica_run(&cfg, exits, NULL, &r) != 0)
        return 1;
    printf("exit(3) stopped %u thread\n", r.faulted_threads);
    return r.reason == MICA_STOP_IDLE && r.faulted_threads == 1 ? 0 : 1;
}
C
cc -std=c11 $extra "$tmp/prog.c" $flags -o "$tmp/prog"
out=$("$tmp/prog")
echo "$out"
echo "$out" | grep -q "retype: NoError" && echo "$out" | grep -q "stopped: idle" &&
    echo "$out" | grep -q "exit(3) stopped 1 thread"
echo "an installed mica builds and runs a program through pkg-config"
# ... and with the flags it offers for task code that the virtual clock must preempt.
preempt=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=preempt_cflags mica)
[ "$preempt" = "-fsanitize-coverage=trace-pc" ] || { echo "preempt_cflags is '$preempt'"; exit 1; }
cc -std=c11 $extra $preempt "$tmp/prog.c" $flags -o "$tmp/prog-preempt"
"$tmp/prog-preempt" | grep -q "stopped: idle"
echo "and with pkg-config's preempt_cflags"
# task_cflags holds several flags: a shell must split them (no escaped spaces).
taskf=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=task_cflags mica)
case "$taskf" in *'\'*) echo "task_cflags is '$taskf' (escaped)"; exit 1 ;; esac
cc -std=c11 $extra $taskf "$tmp/prog.c" $flags -o "$tmp/prog-task"
"$tmp/prog-task" | grep -q "stopped: idle"
echo "and with pkg-config's task_cflags"
# An interface compiled by the installed mica-idlc (pkg-config's idlc) and
# a client and server built from it call each other in a mica run.
idlc=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$tmp/root$prefix" \
       --variable=idlc mica)
cat > "$tmp/counter.mi" <<'MI'
interface counter base 0x4300 {
    errors { OVERFLOW = 1 };
    call add(u32 n) -> (u64 total);
    [fast] call get() -> (u64 total);
};
MI
mkdir "$tmp/gen"
"$idlc" --out "$tmp/gen" "$tmp/counter.mi"
cat > "$tmp/idlprog.c" <<'C'
#include <stdio.h>
#include <mica/mica.h>
#include "counter.h"
static uint64_t sum;
static int add(void *ctx, mica_word_t badge, uint32_t n, uint64_t *total)
{
    (void)ctx; (void)badge;
    *total = sum += n;
    return COUNTER_OK;
}
static const counter_ops_t ops = { .add = add };
static void server(mica_word_t ep)
{
    counter_serve(ep, &ops, NULL, NULL);
}
static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    counter_client_t c = { .ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0) };
    mica_thread_spawn(&env, "counter", server, c.ep, 100);
    uint64_t total = 0;
    int a = counter_add(&c, 40, &total), b = counter_add(&c, 2, &total);
    printf("add: %d %d, total %llu, get: %d\n", a, b, (unsigned long long)total,
           counter_get(&c, &total));
}
int main(int argc, char **argv)
{
    return mica_main(argc, argv, root, NULL);
}
C
cc -std=c11 -Wall -Wextra -Werror $extra -I"$tmp/gen" "$tmp/idlprog.c" "$tmp/gen/counter_client.c" \
    "$tmp/gen/counter_server.c" "$tmp/gen/counter_trace.c" $flags -o "$tmp/idlprog"
out=$("$tmp/idlprog")
echo "$out"
[ "$out" = "add: 0 0, total 42, get: 65536" ] || { echo "idlprog printed '$out'"; exit 1; }
echo "and an interface compiled by the installed mica-idlc"
# A program written against libsel4's API: <sel4/sel4.h> from the same flags,
# its main run as the root task, its return value the exit status.
cat > "$tmp/sel4prog.c" <<'C'
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_BootInfo *bi = seL4_GetBootInfo();
    seL4_Error e = seL4_Untyped_Retype(bi->untyped.start + 5, seL4_EndpointObject, 0,
                                       seL4_CapInitThreadCNode, 0, 0, bi->empty.start, 1);
    printf("seL4_Untyped_Retype: %d, cap type %u\n", (int)e,
           (unsigned)seL4_DebugCapIdentify(bi->empty.start));
    return e == seL4_NoError ? 0 : 7;
}
C
cc -std=c11 -Wall -Wextra -Werror $extra "$tmp/sel4prog.c" $flags -o "$tmp/sel4prog"
out=$("$tmp/sel4prog")
echo "$out"
echo "$out" | grep -q "seL4_Untyped_Retype: 0, cap type 4"
echo "and a program written against <sel4/sel4.h>"
# The personalities through their own pkg-config files: a Mach task that
# sends itself a message, and an L4 task that calls another by thread id.
pflags() {
    PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$tmp/root$prefix" \
        --cflags --libs "$1"
}
cat > "$tmp/machprog.c" <<'C'
#include <stdio.h>
#include <mach/mach.h>
static void init(mach_port_t bootstrap, uintptr_t arg)
{
    (void)bootstrap; (void)arg;
    mach_port_t port;
    mach_msg_header_t *m = mach_msg_window();
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
    m->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
    m->msgh_size = sizeof *m;
    m->msgh_remote_port = port;
    m->msgh_local_port = MACH_PORT_NULL;
    m->msgh_id = 7;
    mach_msg_return_t s = mach_msg(m, MACH_SEND_MSG, sizeof *m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    mach_msg_return_t r = mach_msg(m, MACH_RCV_MSG, 0, MACH_MSG_SIZE_MAX, port, 0, MACH_PORT_NULL);
    printf("mach: send %u receive %u id %d\n", (unsigned)s, (unsigned)r, (int)m->msgh_id);
}
static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    static mica_env_t env;
    mica_env_init(&env, bi);
    machd_start(&env, "init", init, 0, 90);
}
int main(int argc, char **argv)
{
    return mica_main(argc, argv, root, NULL);
}
C
cc -std=c11 -Wall -Wextra -Werror $extra "$tmp/machprog.c" $(pflags mica-mach) -o "$tmp/machprog"
out=$("$tmp/machprog")
[ "$out" = "mach: send 0 receive 0 id 7" ] || { echo "machprog printed '$out'"; exit 1; }
echo "and a Mach task through pkg-config mica-mach"
cat > "$tmp/l4prog.c" <<'C'
#include <stdio.h>
#include <l4/l4.h>
static void adder(l4_umword_t arg)
{
    (void)arg;
    l4_threadid_t src;
    l4_umword_t a, b;
    l4_msgdope_t d;
    if (l4_ipc_wait(&src, L4_IPC_SHORT_MSG, &a, &b, L4_IPC_NEVER, &d) == 0)
        l4_ipc_send(src, L4_IPC_SHORT_MSG, a + b, 0, L4_IPC_NEVER, &d);
}
static void init(l4_umword_t arg)
{
    (void)arg;
    l4_threadid_t t = l4_task_new(l4_id(5, 0), 100, adder, 0, L4_NIL_ID);
    l4_umword_t r0 = 0, r1 = 0;
    l4_msgdope_t d;
    int e = l4_ipc_call(t, L4_IPC_SHORT_MSG, 40, 2, L4_IPC_SHORT_MSG, &r0, &r1, L4_IPC_NEVER, &d);
    printf("l4: call %d sum %lu\n", e, (unsigned long)r0);
}
static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    static mica_env_t env;
    mica_env_init(&env, bi);
    l4man_start(&env, init, 0, 50);
}
int main(int argc, char **argv)
{
    return mica_main(argc, argv, root, NULL);
}
C
cc -std=c11 -Wall -Wextra -Werror $extra "$tmp/l4prog.c" $(pflags mica-l4) -o "$tmp/l4prog"
out=$("$tmp/l4prog")
[ "$out" = "l4: call 0 sum 42" ] || { echo "l4prog printed '$out'"; exit 1; }
echo "and an L4 task through pkg-config mica-l4"
# The install recipe for a user without root, in a HOME of its own:
#
#     meson setup build --prefix ~/.local && ninja -C build install
#     export PKG_CONFIG_PATH=$HOME/.local/lib/$(gcc -print-multiarch)/pkgconfig
#     cc first.c $(pkg-config --cflags --libs mica) -o first
#
# Meson puts the library and mica.pc under lib/<multiarch> on Debian
# whatever the prefix (libdir does not follow it): this build's libdir must
# be the directory the recipe names. The tree installed above is moved to
# $HOME/.local and mica.pc's one absolute path, prefix=, set to it - all
# that --prefix ~/.local changes - and the recipe's last two lines run as
# written, with no other pkg-config setting.
multiarch=$(gcc -print-multiarch)
libdir=$(meson introspect "$build" --buildoptions |
         python3 -c 'import json, sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"][0])')
case "$libdir" in
    lib/"$multiarch"|"$prefix"/lib/"$multiarch") ;;
    *) echo "libdir is '$libdir', not lib/$multiarch as the install recipe says"; exit 1 ;;
esac
grep -v '^prefix=' "$pc" | grep -q '=/' && { echo "mica.pc has absolute paths besides prefix="; cat "$pc"; exit 1; }
home="$tmp/home"
mkdir -p "$home"
mv "$tmp/root$prefix" "$home/.local"
sed -i "s|^prefix=.*|prefix=$home/.local|" "$home/.local/lib/$multiarch/pkgconfig/mica.pc"
cp "$tmp/prog.c" "$home/first.c"
out=$(cd "$home" && env -u PKG_CONFIG_PATH -u PKG_CONFIG_LIBDIR HOME="$home" EXTRA="$extra" sh -eu -c '
    export PKG_CONFIG_PATH=$HOME/.local/lib/$(gcc -print-multiarch)/pkgconfig
    cc $EXTRA first.c $(pkg-config --cflags --libs mica) -o first
    ./first')
echo "$out" | grep -q "retype: NoError" && echo "$out" | grep -q "exit(3) stopped 1 thread"
# README.md shows the same line.
grep -qF 'export PKG_CONFIG_PATH=$HOME/.local/lib/$(gcc -print-multiarch)/pkgconfig' "$src/README.md" ||
    { echo "README.md does not show the PKG_CONFIG_PATH line tested here"; exit 1; }
echo "and the no-root recipe: --prefix ~/.local, PKG_CONFIG_PATH=\$HOME/.local/lib/$multiarch/pkgconfig"
