/*
 * test_microkit.c - Microkit systems on mica: the program images under
 * tests/microkit/ run as PDs of hand-built system descriptions (the same
 * data the parser produces), through the loader and the root task that
 * builds every PD's CSpace and VSpace. What the PDs print is captured from
 * stdout; the run's result says how it ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "../sim/microkit/microkit_run.h"

#ifndef MK_IMAGES
#error "MK_IMAGES: the directory of the test images (tests/meson.build sets it)"
#endif

/* --- hand-built descriptions ---------------------------------------------------- */

#define MAX 8
static mk_system_t sys;
static mk_pd_t pds[MAX];
static mk_mr_t mrs[MAX];
static mk_channel_t chans[MAX];
static mk_map_t maps[MAX][MAX];
static mk_setvar_t setvars[MAX][MAX];
static mk_irq_t irqs[MAX][MAX];

static void sys_reset(void)
{
    memset(&sys, 0, sizeof sys);
    memset(pds, 0, sizeof pds);
    memset(mrs, 0, sizeof mrs);
    memset(chans, 0, sizeof chans);
    memset(maps, 0, sizeof maps);
    memset(setvars, 0, sizeof setvars);
    memset(irqs, 0, sizeof irqs);
    snprintf(sys.path, sizeof sys.path, "test.system");
    snprintf(sys.dir, sizeof sys.dir, "%s", MK_IMAGES);
    sys.pds = pds;
    sys.mrs = mrs;
    sys.channels = chans;
}

/* A PD (line = 10 + its index) running image. Returns its index. */
static int add_pd(const char *name, unsigned prio, const char *image)
{
    int i = (int)sys.npds++;
    snprintf(pds[i].name, sizeof pds[i].name, "%s", name);
    /* As the parser leaves it: resolved against the description's directory. */
    int n = snprintf(pds[i].program_image, sizeof pds[i].program_image, "%.2000s/%s", sys.dir,
                     image);
    ck_assert_int_lt(n, (int)sizeof pds[i].program_image);
    pds[i].priority = prio;
    pds[i].parent = -1;
    pds[i].maps = maps[i];
    pds[i].setvars = setvars[i];
    pds[i].irqs = irqs[i];
    pds[i].line = 10 + i;
    return i;
}

static void add_channel(int a, unsigned a_id, int b, unsigned b_id, bool a_pp)
{
    mk_channel_t *c = &chans[sys.nchannels++];
    c->end[0] = (mk_end_t){ .pd = a, .id = a_id, .pp = a_pp, .notify = true, .line = 40 };
    c->end[1] = (mk_end_t){ .pd = b, .id = b_id, .notify = true, .line = 41 };
    c->line = 39;
}

static int add_mr(const char *name, uint64_t size)
{
    int m = (int)sys.nmrs++;
    snprintf(mrs[m].name, sizeof mrs[m].name, "%s", name);
    mrs[m].size = size;
    mrs[m].page_size = 0x1000;
    mrs[m].line = 5 + m;
    return m;
}

static void add_map(int pd, int mr, uint64_t vaddr, unsigned perms, const char *setvar)
{
    mk_map_t *m = &pds[pd].maps[pds[pd].nmaps++];
    m->mr = mr;
    m->vaddr = vaddr;
    m->perms = perms;
    m->cached = true;
    snprintf(m->setvar_vaddr, sizeof m->setvar_vaddr, "%s", setvar ? setvar : "");
    m->line = 20 + pd;
}

/* <setvar symbol region_paddr>: symbol gets the MR's physical address. */
static void add_setvar(int pd, const char *symbol, int mr)
{
    mk_setvar_t *v = &pds[pd].setvars[pds[pd].nsetvars++];
    snprintf(v->symbol, sizeof v->symbol, "%s", symbol);
    v->mr = mr;
    v->line = 30 + pd;
}

/* --- running one ---------------------------------------------------------------- */

static char out[1 << 14];

static void slurp(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = 0;
    fclose(f);
}
static const char *log_to;     /* the run's text log, NULL = none */
static mica_run_result_t result;

static int plain_runner(const mica_config_t *cfg, mica_root_task_fn root, void *arg,
                        void *runner_arg, mica_run_result_t *res, int *status)
{
    (void)runner_arg;
    (void)status;
    return mica_run(cfg, root, arg, res);
}

/* Run sys; out gets what the PDs printed. Returns mk_system_run's value. */
static int run_sys(void)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.log_path = log_to ? log_to : getenv("MK_LOG");
    char path[] = "/tmp/mica-mk-out-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    memset(&result, 0, sizeof result);
    int rc = mk_system_run(&cfg, &sys, plain_runner, NULL, &result, NULL);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    memset(out, 0, sizeof out);
    ssize_t n = pread(fd, out, sizeof out - 1, 0);
    ck_assert_int_ge(n, 0);
    close(fd);
    unlink(path);
    return rc;
}

#define assert_idle() \
    ck_assert_msg(result.reason == MICA_STOP_IDLE && result.faulted_threads == 0, \
                  "run stopped with %s, %u faulted: %s\noutput:\n%s", \
                  mica_stop_reason_name(result.reason), result.faulted_threads, result.message, out)

/* --- tests ------------------------------------------------------------------------ */

START_TEST(hello_prints_its_name_and_the_system_ends_idle)
{
    sys_reset();
    add_pd("hello", 100, "hello.elf");
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "hello, world from hello\n");
}
END_TEST

START_TEST(two_pds_running_one_image_have_separate_globals)
{
    sys_reset();
    add_pd("first", 100, "counter.elf");
    add_pd("second", 50, "counter.elf");
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "first: count 1 value 8\nsecond: count 1 value 8\n");
}
END_TEST

START_TEST(a_ppcall_carries_label_and_message_registers_both_ways)
{
    sys_reset();
    int client = add_pd("client", 100, "client.elf");
    int server = add_pd("server", 200, "server.elf");
    add_channel(client, 3, server, 7, true);
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "server: ppc on channel 7 with 2 words\n"
                          "client: label 6 count 2 sum 42 product 440\n");
}
END_TEST

START_TEST(a_setvar_vaddr_pointer_sees_what_the_other_pd_wrote_in_the_shared_region)
{
    sys_reset();
    int w = add_pd("writer", 100, "writer.elf");
    int r = add_pd("reader", 150, "reader.elf");
    int mr = add_mr("buffer", 0x2000);
    add_map(w, mr, 0x20000000, MK_PERM_R | MK_PERM_W, "shared");
    add_map(r, mr, 0x30000000, MK_PERM_R, "region");
    add_channel(w, 1, r, 4, false);
    int rc = run_sys();
    ck_assert_msg(rc == 0, "refused: %s", result.message);
    assert_idle();
    ck_assert_str_eq(out, "reader: notified on 4: written by the writer\n");
}
END_TEST

/*
 * As on seL4, a CPtr that resolves to an empty slot is no cap fault:
 * decoding the null cap fails with InvalidCapability, and a Send (a
 * Signal) has no reply to carry it, so the PD runs on and nothing is sent.
 */
START_TEST(notifying_a_channel_the_pd_lacks_invokes_an_empty_slot_and_signals_nothing)
{
    sys_reset();
    int lonely = add_pd("lonely", 100, "badnotify.elf");
    int r = add_pd("reader", 50, "reader.elf");
    add_channel(lonely, 6, r, 5, false);       /* lonely's channel 6, not 5 */
    char log[] = "/tmp/mica-mk-log-XXXXXX";
    close(mkstemp(log));
    log_to = log;
    ck_assert_int_eq(run_sys(), 0);
    log_to = NULL;
    assert_idle();
    ck_assert_uint_eq(result.invocation_errors, 1);
    ck_assert_str_eq(out, "notifying 5\nnot reached\n");     /* the reader never heard of it */
    static char text[1 << 20];
    slurp(log, text, sizeof text);
    unlink(log);
    ck_assert_msg(strstr(text, "lonely: InvalidInvocation on slot 21 failed: InvalidCapability "
                               "(invoked cap 0x15 is empty)"), "log:\n%s", text);
}
END_TEST

/*
 * A child's faults go to its parent's fault() as seL4 fault messages on the
 * parent's endpoint (badge: the fault bit and the child id). The parent
 * restarts the child, which runs init again with its globals kept, then
 * stops it; the child is then inactive and the run ends idle with no thread
 * stopped for want of a handler.
 */
START_TEST(a_faulting_child_is_reported_to_its_parent_which_restarts_it_once_then_stops_it)
{
    sys_reset();
    int parent = add_pd("parent", 100, "parent.elf");
    int child = add_pd("child", 150, "child.elf");
    pds[child].parent = parent;
    pds[child].child_id = 5;
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "child: start 1\n"
                          "parent: init\n"
                          "parent: child 5 faulted, label 5 (VM fault) address 0x200000\n"
                          "parent: restarting it\n"
                          "child: start 2\n"
                          "parent: child 5 faulted, label 3 (user exception) number 11\n"
                          "parent: stopping it\n");
}
END_TEST

/*
 * The deadlock report names PDs (their threads) and, for the cap a PD
 * waits on, what it is in the system: the client's PPC channel and the
 * server. The server's protected() receives again instead of replying,
 * which (as on seL4) drops the reply cap, so no one can ever reply.
 */
START_TEST(a_ppc_to_a_server_that_never_replies_is_a_deadlock_naming_the_pds_and_channels)
{
    sys_reset();
    int client = add_pd("client", 100, "client.elf");
    int server = add_pd("stuck", 200, "stuck.elf");
    add_channel(client, 3, server, 7, true);
    ck_assert_int_eq(run_sys(), 0);
    ck_assert_int_eq(result.reason, MICA_STOP_DEADLOCK);
    ck_assert_str_eq(out, "stuck: PPC on channel 7, waiting for ever\n");
    ck_assert_str_eq(result.message,
        "nothing can run and these threads wait for each other:\n"
        "  chain: client\n"
        "  client: BlockedOnReply, Call on slot 83 (endpoint, badge 9223372036854775815), "
        "a PPC on channel 3 to stuck: waits for a reply nobody can send (its reply cap is gone)");
}
END_TEST

/*
 * A PPC blocks the caller until the reply. The server (higher priority)
 * notifies the client on the PPC's channel before it replies: the
 * notification waits in the client's notification, and notified() runs
 * only once microkit_ppcall has returned and init is done.
 */
START_TEST(a_notification_sent_during_a_ppc_reaches_the_caller_only_after_the_reply)
{
    sys_reset();
    int client = add_pd("client", 100, "pclient.elf");
    int server = add_pd("server", 200, "pserver.elf");
    add_channel(client, 3, server, 7, true);
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "client: calling\n"
                          "server: PPC on channel 7, notifying the caller before the reply\n"
                          "server: replying\n"
                          "client: ppcall returned label 9\n"
                          "client: notified on 3\n");
}
END_TEST

/*
 * The same when the client serves PPCs itself: its input cap is then an
 * endpoint with its notification bound, and a bound notification is not
 * delivered to a thread waiting for a reply.
 */
START_TEST(a_caller_with_a_bound_notification_is_notified_only_after_the_reply)
{
    sys_reset();
    int low = add_pd("low", 50, "hello.elf");
    int client = add_pd("client", 100, "pclient.elf");
    int server = add_pd("server", 200, "pserver.elf");
    add_channel(client, 3, server, 7, true);
    add_channel(low, 1, client, 2, true);       /* low may PPC the client: it has an endpoint */
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "client: calling\n"
                          "server: PPC on channel 7, notifying the caller before the reply\n"
                          "server: replying\n"
                          "client: ppcall returned label 9\n"
                          "client: notified on 3\n"
                          "hello, world from low\n");
}
END_TEST

/*
 * Three notifications sent before the receiver (lower priority) runs
 * arrive as one badge with three bits: one notified() per channel, lowest
 * id first, whatever order they were sent in. Both kinds of input cap.
 */
START_TEST(a_notification_with_several_channel_bits_gives_one_notified_per_channel_lowest_first)
{
    sys_reset();
    int sender = add_pd("fanout", 100, "fanout.elf");
    int plain = add_pd("plain", 50, "listener.elf");
    int bound = add_pd("bound", 40, "listener.elf");
    int low = add_pd("low", 30, "hello.elf");
    add_channel(sender, 0, plain, 9, false);
    add_channel(sender, 1, plain, 2, false);
    add_channel(sender, 2, plain, 5, false);
    add_channel(plain, 61, bound, 61, false);   /* unused: ids up to 61 */
    add_channel(low, 0, bound, 0, true);        /* bound has an endpoint */
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "fanout: notified channels 2, 0, 1\n"
                          "plain: notified on 2\n"
                          "plain: notified on 5\n"
                          "plain: notified on 9\n"
                          "hello, world from low\n");
    /* Now the endpoint PD receives the same three (its channels 3, 17 and 61). */
    sys_reset();
    sender = add_pd("fanout", 100, "fanout.elf");
    bound = add_pd("bound", 40, "listener.elf");
    low = add_pd("low", 30, "hello.elf");
    add_channel(sender, 0, bound, 61, false);
    add_channel(sender, 1, bound, 3, false);
    add_channel(sender, 2, bound, 17, false);
    add_channel(low, 0, bound, 0, true);
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "fanout: notified channels 2, 0, 1\n"
                          "bound: notified on 3\n"
                          "bound: notified on 17\n"
                          "bound: notified on 61\n"
                          "hello, world from low\n");
}
END_TEST

/*
 * microkit_deferred_notify sends nothing until the PD's event loop next
 * waits; then the signal goes once. One deferred action is pending at a
 * time: a second call replaces the first. The echo (higher priority) runs
 * as soon as each signal is sent and notifies back, so a signal sent
 * twice, or not replaced, would show as another line.
 */
START_TEST(a_deferred_notify_is_sent_once_when_the_pd_next_waits_and_a_later_one_replaces_it)
{
    sys_reset();
    int d = add_pd("deferrer", 100, "deferrer.elf");
    int e = add_pd("echo", 150, "echo.elf");
    add_channel(d, 1, e, 4, false);
    add_channel(d, 2, e, 5, false);
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "deferrer: init deferred a notify on 1\n"
                          "echo: notified on 4 (count 1)\n"
                          "deferrer: notified on 1, deferred 1 then 2\n"
                          "echo: notified on 5 (count 2)\n"
                          "deferrer: notified on 2, nothing deferred\n");
}
END_TEST

/*
 * A notify deferred in protected() goes when the server next waits, which
 * is its ReplyRecv: the signal first, then the reply. The listener (above
 * the server) runs before the client has its answer.
 */
START_TEST(a_notify_deferred_in_protected_is_sent_just_before_the_reply)
{
    sys_reset();
    int client = add_pd("client", 100, "pclient.elf");
    int server = add_pd("dserver", 200, "dserver.elf");
    int l = add_pd("listener", 250, "listener.elf");
    add_channel(client, 3, server, 7, true);
    add_channel(server, 1, l, 4, false);
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "client: calling\n"
                          "dserver: PPC on channel 7, deferred a notify on 1\n"
                          "listener: notified on 4\n"
                          "client: ppcall returned label 2\n");
}
END_TEST

/*
 * microkit_deferred_irq_ack acks the IRQ when the driver next waits, and
 * one deferred action is pending at a time: the later call wins (see
 * ticker.c). The listener hears only the notify deferred last on tick 3,
 * and with that tick's ack replaced the timer's IRQ is never delivered
 * again, though the timer fires on.
 */
START_TEST(a_deferred_irq_ack_lets_the_next_interrupt_in_and_the_later_deferred_action_wins)
{
    sys_reset();
    int t = add_pd("ticker", 100, "ticker.elf");
    int l = add_pd("listener", 150, "listener.elf");
    int mr = add_mr("timer", 0x1000);
    mrs[mr].phys_addr = 0x1000000;            /* the timer's registers: the first device page */
    mrs[mr].has_phys = true;
    add_map(t, mr, 0x20000000, MK_PERM_R | MK_PERM_W, "regs");
    maps[t][0].cached = false;
    irqs[t][0] = (mk_irq_t){ .irq = 2, .id = 5, .line = 50 };   /* the timer's IRQ */
    pds[t].nirqs = 1;
    add_channel(t, 1, l, 4, false);
    int rc = run_sys();
    ck_assert_msg(rc == 0, "refused: %s", result.message);
    assert_idle();
    ck_assert_str_eq(out, "ticker: armed\n"
                          "ticker: tick 1 on channel 5\n"
                          "ticker: tick 2 on channel 5\n"
                          "ticker: tick 3 on channel 5\n"
                          "listener: notified on 4\n");
}
END_TEST

/*
 * A region of two 2 MiB pages mapped into two PDs at different vaddrs:
 * what one writes in either page, the other reads.
 */
START_TEST(a_region_of_2mib_pages_mapped_into_two_pds_shares_its_data)
{
    sys_reset();
    int w = add_pd("bigwriter", 100, "bigwriter.elf");
    int r = add_pd("bigreader", 150, "bigreader.elf");
    int mr = add_mr("big", 0x400000);
    mrs[mr].page_size = 0x200000;
    add_map(w, mr, 0x20000000, MK_PERM_R | MK_PERM_W, "big");
    add_map(r, mr, 0x33e00000, MK_PERM_R, "view");
    add_channel(w, 1, r, 6, false);
    int rc = run_sys();
    ck_assert_msg(rc == 0, "refused: %s", result.message);
    assert_idle();
    ck_assert_str_eq(out, "bigreader: notified on 6: 'start of the first 2 MiB page' and "
                          "'end of the second 2 MiB page'\n");
}
END_TEST

/* The three addresses a paddr.elf PD printed ("NAME: small 0x.. big 0x.. device 0x..\n"). */
static void parse_paddrs(const char *line, const char *name, uint64_t a[3])
{
    char fmt[128];
    snprintf(fmt, sizeof fmt, "%s: small 0x%%" SCNx64 " big 0x%%" SCNx64 " device 0x%%" SCNx64 "\n",
             name);
    ck_assert_msg(sscanf(line, fmt, &a[0], &a[1], &a[2]) == 3, "output:\n%s", out);
}

/*
 * <setvar region_paddr> gives the region's physical address before init
 * runs: a device region its phys_addr exactly; others where the root task
 * placed their frames - aligned to their page size, not overlapping each
 * other, the same for every PD that names the region, and the same on
 * every run.
 */
START_TEST(setvar_region_paddr_gives_each_region_its_physical_address)
{
    uint64_t first[3] = { 0 };
    for (int run = 0; run < 2; run++) {
        sys_reset();
        int p = add_pd("one", 100, "paddr.elf");
        int q = add_pd("two", 90, "paddr.elf");
        int small = add_mr("small", 0x3000);
        int big = add_mr("big", 0x200000);
        mrs[big].page_size = 0x200000;
        int dev = add_mr("dev", 0x2000);
        mrs[dev].phys_addr = 0x1080000;       /* device memory: the 1 MiB above the 16 MiB of RAM, past the devices */
        mrs[dev].has_phys = true;
        add_setvar(p, "small_paddr", small);
        add_setvar(p, "big_paddr", big);
        add_setvar(p, "device_paddr", dev);
        add_setvar(q, "small_paddr", small);
        add_setvar(q, "big_paddr", big);
        add_setvar(q, "device_paddr", dev);
        int rc = run_sys();
        ck_assert_msg(rc == 0, "refused: %s", result.message);
        assert_idle();
        uint64_t a[3], b[3];
        parse_paddrs(out, "one", a);
        const char *second = strchr(out, '\n');
        ck_assert_ptr_nonnull(second);
        parse_paddrs(second + 1, "two", b);
        ck_assert_mem_eq(a, b, sizeof a);
        ck_assert_uint_eq(a[2], 0x1080000);
        ck_assert_uint_eq(a[0] % 0x1000, 0);
        ck_assert_uint_eq(a[1] % 0x200000, 0);
        ck_assert_uint_ne(a[0], 0);
        ck_assert(a[0] + 0x3000 <= a[1] || a[1] + 0x200000 <= a[0]);
        ck_assert_uint_lt(a[1] + 0x200000, 0x1000000 + 1);     /* in RAM */
        ck_assert_uint_lt(a[0] + 0x3000, 0x1000000 + 1);
        if (run == 0)
            memcpy(first, a, sizeof a);
        else
            ck_assert_mem_eq(first, a, sizeof a);
    }
}
END_TEST

/* microkit_name holds the PD's name from the description: up to 63 characters, all of them. */
START_TEST(microkit_name_is_each_pds_own_name_up_to_63_characters)
{
    static const char longest[] = "a-name-of-sixty-three-characters-the-longest-microkit-allows-63";
    ck_assert_uint_eq(strlen(longest), 63);
    sys_reset();
    add_pd(longest, 100, "hello.elf");
    add_pd("x", 90, "hello.elf");
    add_pd("listener", 80, "hello.elf");   /* another image's name, for this one */
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "hello, world from a-name-of-sixty-three-characters-the-longest-microkit-allows-63\n"
                          "hello, world from x\n"
                          "hello, world from listener\n");
}
END_TEST

/* put8 and put32 print unsigned decimal, no padding or prefix; puts("") prints nothing. */
START_TEST(microkit_dbg_put8_and_put32_print_unsigned_decimal)
{
    sys_reset();
    add_pd("dbg", 100, "dbg.elf");
    ck_assert_int_eq(run_sys(), 0);
    assert_idle();
    ck_assert_str_eq(out, "[0 7 255 44] [0 10 1000000 4294967295]\ttab\n");
}
END_TEST

/* The one-line error mk_system_run prints and leaves in result.message; nothing ran. */
/* The refusal's message: fmt with the description's directory for its one %s, if any. */
static void assert_refused(const char *fmt)
{
    char message[sizeof result.message];
    snprintf(message, sizeof message, fmt, sys.dir);
    ck_assert_int_eq(run_sys(), -EINVAL);
    ck_assert_str_eq(result.message, message);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(result.kernel_entries, 0);
}

START_TEST(a_missing_program_image_is_refused_at_its_pds_line)
{
    sys_reset();
    add_pd("hello", 100, "hello.elf");
    add_pd("ghost", 100, "ghost.elf");
    assert_refused("test.system:11: program image '%s/ghost.elf' cannot be read: "
                   "No such file or directory");
}
END_TEST

START_TEST(an_image_without_init_is_refused_at_its_pds_line)
{
    sys_reset();
    add_pd("hello", 100, "hello.elf");
    add_pd("quiet", 100, "noinit.elf");
    assert_refused("test.system:11: program image '%s/noinit.elf' has no init");
}
END_TEST

START_TEST(a_file_that_is_no_shared_object_is_refused_with_the_loaders_reason)
{
    sys_reset();
    snprintf(sys.dir, sizeof sys.dir, "%s", MK_SOURCES);
    add_pd("text", 100, "notelf.elf");
    assert_refused("test.system:10: program image '%s/notelf.elf' is not a loadable shared object: "
                   "invalid ELF header");
}
END_TEST

START_TEST(a_setvar_vaddr_the_image_lacks_is_refused_at_the_maps_line)
{
    sys_reset();
    int p = add_pd("hello", 100, "hello.elf");
    int mr = add_mr("buffer", 0x1000);
    add_map(p, mr, 0x20000000, MK_PERM_R | MK_PERM_W, "nowhere");
    assert_refused("test.system:20: program image '%s/hello.elf' has no variable 'nowhere' for "
                   "setvar_vaddr");
}
END_TEST

START_TEST(a_map_over_the_ipc_buffer_and_stack_is_refused)
{
    sys_reset();
    int p = add_pd("hello", 100, "hello.elf");
    int mr = add_mr("buffer", 0x1000);
    add_map(p, mr, 0x1000, MK_PERM_R, NULL);
    assert_refused("test.system:20: map of 'buffer' at 0x1000: below 0x100000, where mica keeps "
                   "the PD's IPC buffer and stack");
}
END_TEST

static Suite *microkit_suite(void)
{
    Suite *s = suite_create("microkit");
    TCase *tc = mt_tcase(s, "systems");
    tcase_add_test(tc, hello_prints_its_name_and_the_system_ends_idle);
    tcase_add_test(tc, two_pds_running_one_image_have_separate_globals);
    tcase_add_test(tc, a_ppcall_carries_label_and_message_registers_both_ways);
    tcase_add_test(tc, a_setvar_vaddr_pointer_sees_what_the_other_pd_wrote_in_the_shared_region);
    tcase_add_test(tc, notifying_a_channel_the_pd_lacks_invokes_an_empty_slot_and_signals_nothing);
    tcase_add_test(tc, a_faulting_child_is_reported_to_its_parent_which_restarts_it_once_then_stops_it);
    tcase_add_test(tc, a_ppc_to_a_server_that_never_replies_is_a_deadlock_naming_the_pds_and_channels);
    tcase_add_test(tc, a_notification_sent_during_a_ppc_reaches_the_caller_only_after_the_reply);
    tcase_add_test(tc, a_caller_with_a_bound_notification_is_notified_only_after_the_reply);
    tcase_add_test(tc, a_notification_with_several_channel_bits_gives_one_notified_per_channel_lowest_first);
    tcase_add_test(tc, a_deferred_notify_is_sent_once_when_the_pd_next_waits_and_a_later_one_replaces_it);
    tcase_add_test(tc, a_notify_deferred_in_protected_is_sent_just_before_the_reply);
    tcase_add_test(tc, a_deferred_irq_ack_lets_the_next_interrupt_in_and_the_later_deferred_action_wins);
    tcase_add_test(tc, a_region_of_2mib_pages_mapped_into_two_pds_shares_its_data);
    tcase_add_test(tc, setvar_region_paddr_gives_each_region_its_physical_address);
    tcase_add_test(tc, microkit_name_is_each_pds_own_name_up_to_63_characters);
    tcase_add_test(tc, microkit_dbg_put8_and_put32_print_unsigned_decimal);
    tc = mt_tcase(s, "refused");
    tcase_add_test(tc, a_missing_program_image_is_refused_at_its_pds_line);
    tcase_add_test(tc, an_image_without_init_is_refused_at_its_pds_line);
    tcase_add_test(tc, a_file_that_is_no_shared_object_is_refused_with_the_loaders_reason);
    tcase_add_test(tc, a_setvar_vaddr_the_image_lacks_is_refused_at_the_maps_line);
    tcase_add_test(tc, a_map_over_the_ipc_buffer_and_stack_is_refused);
    return s;
}

MICA_TEST_MAIN(microkit_suite)
