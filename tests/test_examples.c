#define _POSIX_C_SOURCE 200809L
/*
 * test_examples.c - the user-facing runner: every built-in example runs to
 * its expected outcome with the invariant checker on at every kernel entry
 * and prints what it should; bad command lines exit 64 with one line on
 * stderr; --stats, --log, --time-limit and --cspace-dot do their job; and
 * mica_main reports a deadlock (exit 1) naming the waiting thread and a
 * broken invariant (exit 2).
 *
 * The `mica` binary is run as a child process (its path comes from meson
 * in MICA_BIN), so these tests see exactly what a student sees. The trace
 * JSON is checked by tests/check_trace.py.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "containment.h"

static char out[1 << 16], err[1 << 14];

/* Run a program with args through the shell; stdout to out[], stderr to err[]; exit status. */
static int run_prog(const char *prog, const char *args)
{
    char o[] = "/tmp/mica-out-XXXXXX", e[] = "/tmp/mica-err-XXXXXX", cmd[1024];
    close(mkstemp(o));
    close(mkstemp(e));
    snprintf(cmd, sizeof cmd, "'%s' %s >%s 2>%s", prog, args, o, e);
    int st = system(cmd);
    cm_slurp(o, out, sizeof out);
    cm_slurp(e, err, sizeof err);
    cm_drop_sanitizer_lines(err);
    unlink(o);
    unlink(e);
    ck_assert_msg(st != -1 && WIFEXITED(st), "'%s' did not exit normally", cmd);
    return WEXITSTATUS(st);
}

static const char *mica_bin(void)
{
    const char *p = getenv("MICA_BIN");
    ck_assert_msg(p && *p, "MICA_BIN is not set (meson sets it to build/sim/mica)");
    return p;
}

static int run_mica(const char *args)
{
    return run_prog(mica_bin(), args);
}

#define assert_has(buf, s) \
    ck_assert_msg(strstr((buf), (s)) != NULL, "expected \"%s\" in:\n%s", (s), (buf))

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* --- the built-in examples ----------------------------------------------- */

START_TEST(list_names_every_example)
{
    ck_assert_int_eq(run_mica("list"), 0);
    const char *names[] = { "hello ", "echo ", "notify ", "prio ", "pager ", "ramfs ",
                            "supervisor ", "interrupts ", "timer ", "console ", "disk " };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_has(out, names[i]);
    ck_assert_int_eq(count_lines(out), 11);
}
END_TEST

START_TEST(hello_runs)
{
    ck_assert_int_eq(run_mica("run hello --check each"), 0);
    assert_has(out, "hello from the root task");
    assert_has(out, "retype an endpoint into slot");
    assert_has(out, "copy onto the occupied slot: DeleteFirst");
    assert_has(out, "revoke the endpoint: NoError");
    assert_has(out, "hello from thread 'greeter'");
    assert_has(out, "the greeter signalled");
    ck_assert_str_eq(err, "");     /* nothing from the runner without --stats */
}
END_TEST

START_TEST(echo_server_tells_clients_apart_by_badge)
{
    char want[128];
    ck_assert_int_eq(run_mica("run echo --check each"), 0);
    for (int c = 1; c <= 3; c++) {
        snprintf(want, sizeof want, "server: 'hello from client %d' from client %d (badge %d)", c, c, c);
        assert_has(out, want);
        snprintf(want, sizeof want, "server: 'goodbye from client %d' from client %d (badge %d)", c,
                 c, c);
        assert_has(out, want);
        snprintf(want, sizeof want, "client%d: sent 'hello from client %d', got back 'HELLO FROM CLIENT %d'",
                 c, c, c);
        assert_has(out, want);
        snprintf(want, sizeof want,
                 "client%d: sent 'goodbye from client %d', got back 'GOODBYE FROM CLIENT %d'", c, c, c);
        assert_has(out, want);
    }
}
END_TEST

START_TEST(notify_consumer_sees_ored_badges)
{
    ck_assert_int_eq(run_mica("run notify --check each"), 0);
    assert_has(out, "consumer: woke up with badge 0x7 = producer1 | producer2 | producer3\n");
    assert_has(out, "consumer: woke up with badge 0x1 = producer1\n");
    assert_has(out, "consumer: woke up with badge 0x2 = producer2\n");
    assert_has(out, "consumer: woke up with badge 0x4 = producer3\n");
    /* Round 1's three signals all come before the consumer's only wake-up of that round. */
    const char *wake = strstr(out, "badge 0x7");
    for (int p = 1; p <= 3; p++) {
        char want[64];
        snprintf(want, sizeof want, "producer%d: round 1: signal", p);
        const char *sig = strstr(out, want);
        ck_assert_ptr_nonnull(sig);
        ck_assert_msg(sig < wake, "%s came after the wake-up", want);
    }
    assert_has(out, "consumer: done");
}
END_TEST

START_TEST(prio_shows_priorities_round_robin_and_preemption)
{
    ck_assert_int_eq(run_mica("run prio --check each"), 0);
    /* A woken higher-priority thread runs at once. */
    assert_has(out, "mid-a  signal high\n-- now high\nhigh   woke up");
    /* Equal priorities take turns: mid-b runs between mid-a's first and last step. */
    const char *a1 = strstr(out, "mid-a  step 1\n"), *a8 = strstr(out, "mid-a  step 8\n");
    ck_assert_ptr_nonnull(a1);
    ck_assert_ptr_nonnull(a8);
    const char *b = strstr(a1, "-- now mid-b");
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(b < a8, "mid-b never ran between mid-a steps 1 and 8:\n%s", out);
    /* The lowest priority runs last. */
    const char *low = strstr(out, "-- now low\n");
    ck_assert_ptr_nonnull(low);
    ck_assert_ptr_null(strstr(low, "mid-"));
    ck_assert_ptr_null(strstr(low, "high"));
}
END_TEST

static int count_of(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* Where s is in out[] (it must be there), to compare the order of lines. */
static const char *at(const char *s)
{
    const char *p = strstr(out, s);
    ck_assert_msg(p != NULL, "expected \"%s\" in:\n%s", s, out);
    return p;
}

START_TEST(pager_maps_each_page_on_its_first_touch)
{
    char want[128];
    ck_assert_int_eq(run_mica("run pager --check each"), 0);
    ck_assert_int_eq(count_of(out, "pager: #"), 65);
    for (int i = 1; i <= 64; i++) {
        snprintf(want, sizeof want, "pager: #%-2d %-5s 0x%x -> frame", i,
#if defined(__x86_64__)
                 i <= 8 ? "read" : "write",
#else
                 "read",     /* AArch64's fault status does not say */
#endif
                 0x101e0000 + (i - 1) * 0x1000);
        assert_has(out, want);
    }
    /* A page table for each 2 MiB the region touches, made with the first fault there. */
    ck_assert_int_eq(count_of(out, "+ page table"), 3);
    assert_has(out, " 0x101e0000 -> frame + page table\n");
    assert_has(out, " 0x10200000 -> frame + page table\n");
    assert_has(out, "client: 64 pages faulted in, none mapped by me (8 first read, 56 first written)\n");
    assert_has(out, "client: 32768 bytes read back as zero, 262144 bytes written and checked: "
                    "all correct\n");
    /* Then one write at 640 GiB: the pager builds all three levels below the PML4 and maps. */
    assert_has(out, "client: writing at 0xa000000000, where my VSpace has no PDPT, page directory "
                    "or page table\n");
    assert_has(out, "\npager: #65 "
#if defined(__x86_64__)
                    "write"
#else
                    "read "
#endif
                    " 0xa000000000 -> frame + PDPT + page directory + page table\n");
    assert_has(out, "client: 0xa000000000 reads back what I wrote: correct\n");
    ck_assert(at("client: writing at 0xa000000000") < at("pager: #65 ") &&
              at("pager: #65 ") < at("client: 0xa000000000 reads back"));
    assert_has(out, "with 65 frames, 3 page tables, 1 page directory and 1 PDPT; stopping\n");
    ck_assert_ptr_null(strstr(out, "not mine"));
    ck_assert_ptr_null(strstr(out, "MISMATCH"));
    ck_assert(at("root: the client is done") < at("pager: served 65 faults"));
}
END_TEST

START_TEST(ramfs_clients_write_and_read_each_others_files)
{
    char want[128];
    ck_assert_int_eq(run_mica("run ramfs --check each"), 0);
    static const int sizes[] = { 0, 531, 1051, 1571 };
    for (int c = 1; c <= 3; c++) {
        int other = c % 3 + 1;
        snprintf(want, sizeof want, "client%d: wrote client%d.txt, %d bytes in 2 writes\n", c, c,
                 sizes[c]);
        assert_has(out, want);
        const char *wrote = at(want);
        snprintf(want, sizeof want, "client%d: read client%d.txt, %d bytes in ", c, c, sizes[c]);
        assert_has(out, want);
        snprintf(want, sizeof want, "client%d: read client%d.txt, %d bytes in ", c, other,
                 sizes[other]);
        assert_has(out, want);
        /* Nobody reads before everyone has written. */
        ck_assert(wrote < at("root: every client has written its file"));
        ck_assert(at("root: every client has written its file") < at(want));
        snprintf(want, sizeof want, "client%d was here\n", c);
        assert_has(out, want);
        snprintf(want, sizeof want, "client%d: done\n", c);
        assert_has(out, want);
    }
    ck_assert_int_eq(count_of(out, ": as written\n"), 6);
    ck_assert_ptr_null(strstr(out, "WRONG"));
    assert_has(out, "client1: ls: 4 files\n");
    assert_has(out, "\nclient1.txt 531\n");
    assert_has(out, "\nguestbook 51\n");
    assert_has(out, "client2: the guestbook says:\n");
    assert_has(out, "client3: open 'no-such-file': no such file\n");
    assert_has(out, "client3: read fd 3, which is not open: bad fd\n");
    assert_has(out, "client3: read 200 bytes into the buffer at 4000: outside the shared buffer\n");
    assert_has(out, "ramfs: 59 requests from 3 clients (2 refused), 3204 bytes written, ");
    assert_has(out, "; 4 files, 3204 bytes stored; stopping\n");
    ck_assert(at("ramfs: 59 requests") < at("root: all done"));
}
END_TEST

/*
 * ramfs registers its interface's names (files_trace_register): --log names
 * each request and the status of its reply, also with only ipc lines.
 */
START_TEST(ramfs_log_names_file_requests_and_statuses)
{
    ck_assert_int_eq(run_mica("run ramfs --log - --log-filter ipc"), 0);
    assert_has(err, "[t=314] ramfs: received from client3 via ep slot 8 badge=3 label=20993 "
                    "(files.open) len=5\n"
                    "[t=315] client3: received reply from ramfs label=1 (files.open: NOENT) len=0\n"
                    "[t=316] ramfs: received from client3 via ep slot 8 badge=3 label=20994 "
                    "(files.read) len=4\n"
                    "[t=317] client3: received reply from ramfs label=2 (files.read: BADF) len=0\n");
    assert_has(err, "[t=333] ramfs: received from root via ep slot 8 badge=0 label=20998 "
                    "(files.stop) len=0\n"
                    "[t=334] root: received reply from ramfs label=0 (files.stop: OK) len=0\n");
    /* The read past the frame's end never left client3: its stub refused the lease. */
    ck_assert_ptr_null(strstr(err, "MICA_IDL_BAD_LEASE"));
    ck_assert_int_eq(count_of(err, "(files."), 2 * 59);
}
END_TEST

/*
 * disk: the virtio-blk driver and ramfs on blk0. Two runs with the same
 * --disk: the first formats the new file and writes; the second finds the
 * first's files, byte for byte. A run with the disk in memory starts empty.
 */
START_TEST(disk_files_outlive_the_run)
{
    char dir[] = "/tmp/mica-disk-XXXXXX", args[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(args, sizeof args, "run disk --check each --disk %s/disk.img --disk-size 1M", dir);
    int st = run_mica(args);
    ck_assert_msg(st == 0, "exit %d\n%s\n%s", st, out, err);
    assert_has(out, "virtio-blk: blk0 ready, 2048 sectors (1024 KiB)\n");
    assert_has(out, "ramfs: formatted the disk (2048 sectors)\n");
    assert_has(out, "client: ls: 0 files\n");
    assert_has(out, "client: this is run 1; appended to runs.log: ok\n");
    assert_has(out, "client: wrote hello.txt, ");
    assert_has(out, "virtio-blk: ");
    assert_has(out, " (0 failed), ");
    assert_has(out, "root: all done\n");
    ck_assert_ptr_null(strstr(out, "WRONG"));

    st = run_mica(args);
    ck_assert_msg(st == 0, "exit %d\n%s\n%s", st, out, err);
    assert_has(out, "ramfs: found 2 files, ");
    assert_has(out, "client: ls: 2 files\n");
    assert_has(out, "\nruns.log 6\n");
    assert_has(out, "client: runs.log says:\nrun 1\n");
    assert_has(out, "client: this is run 2; appended to runs.log: ok\n");
    assert_has(out, "client: read hello.txt, ");
    assert_has(out, ": as the first run wrote it\n");
    ck_assert_ptr_null(strstr(out, "WRONG"));

    /* The third run sees both earlier runs. */
    st = run_mica(args);
    ck_assert_int_eq(st, 0);
    assert_has(out, "client: runs.log says:\nrun 1\nrun 2\n");
    assert_has(out, "client: this is run 3; ");

    /* Without --disk the disk is in memory: every run starts from a fresh one. */
    ck_assert_int_eq(run_mica("run disk"), 0);
    assert_has(out, "ramfs: formatted the disk (32768 sectors)\n");
    assert_has(out, "client: this is run 1; ");

    snprintf(args, sizeof args, "%s/disk.img", dir);
    unlink(args);
    rmdir(dir);
}
END_TEST

/* disk with --disk-fail-at: the driver sees IOERR, ramfs answers "I/O error", nothing crashes. */
START_TEST(disk_fault_injection_is_reported)
{
    /* Requests 1-10 read and format the disk; 11 saves the new runs.log, 12 its first line. */
    ck_assert_int_eq(run_mica("run disk --disk-fail-at 12"), 0);
    assert_has(out, "client: this is run 1; appended to runs.log: I/O error\n");
    assert_has(out, "client: wrote hello.txt, 5892 bytes: ok\n");
    assert_has(out, " (1 failed), ");
    assert_has(out, "root: all done\n");
}
END_TEST

START_TEST(supervisor_restarts_the_server_and_every_client_finishes)
{
    ck_assert_int_eq(run_mica("run supervisor --check each"), 0);
    ck_assert_int_eq(count_of(out, "supervisor: the server crashed: user exception, SIGSEGV "
                                   "(signal 11, code 1) at square+0x"), 2);
    ck_assert_int_eq(count_of(out, "server: ready\n"), 3);
    /* crash, restart, retry, crash, restart, give up - in that order */
    const char *crash = at("supervisor: the server crashed");
    const char *restart1 = at("supervisor: restart #1 of the server: NoError\n");
    const char *retry = at("client2: the server died while serving 13; retrying\n");
    const char *crash2 = strstr(restart1, "supervisor: the server crashed");
    const char *restart2 = at("supervisor: restart #2 of the server: NoError\n");
    const char *give_up = at("client2: the server died 2 times on 13; giving up on it\n");
    ck_assert_ptr_nonnull(crash2);
    ck_assert(crash < restart1 && restart1 < retry && retry < crash2 && crash2 < restart2 &&
              restart2 < give_up);
    static const char *const answers[] = {
        "client1: 3 squared is 9\n", "client1: 4 squared is 16\n", "client1: 5 squared is 25\n",
        "client2: 6 squared is 36\n", "client2: 7 squared is 49\n", "client3: 8 squared is 64\n",
        "client3: 9 squared is 81\n", "client3: 10 squared is 100\n",
        "client1: finished\n", "client2: finished\n", "client3: finished\n",
    };
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
        assert_has(out, answers[i]);
    ck_assert_ptr_null(strstr(out, "13 squared is"));
    ck_assert_ptr_null(strstr(out, "unexpected fault"));
    /* A Call queued while the server was down is served by the restarted server. */
    ck_assert_ptr_nonnull(strstr(restart1, "squared is"));
    assert_has(out, "root: all 3 clients finished\n");
}
END_TEST

/*
 * The three process examples, many times on the real clock, every other run
 * with a timeslice of one tick: ticks land anywhere, even inside a trap
 * (a tick inside the SIGSEGV handler once made a VM fault arrive twice).
 */
/* --- the device examples ----------------------------------------------------- */

START_TEST(interrupts_counts_timer_ticks_at_exact_times)
{
    ck_assert_int_eq(run_mica("run interrupts --check each --stats"), 0);
    assert_has(out, "ID 0x4d544d52 (version 1)");
    unsigned long long first = 0;
    const char *p = strstr(out, "a tick every 1000000 ns from ");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(sscanf(p, "a tick every 1000000 ns from %llu ns", &first), 1);
    /* tick n at the n-th compare (+ the same few kernel entries each time), in order */
    unsigned long long late0 = 0;
    for (int n = 1; n <= 10; n++) {
        char want[64];
        snprintf(want, sizeof want, "tick %2d: at ", n);
        p = strstr(out, want);
        ck_assert_msg(p != NULL, "no '%s' in:\n%s", want, out);
        unsigned long long at, late;
        ck_assert_int_eq(sscanf(p + strlen(want), "%llu ns (+%llu after", &at, &late), 2);
        ck_assert_uint_eq(at, first + (unsigned long long)(n - 1) * 1000000 + late);
        ck_assert_uint_lt(late, 100000);
        if (n == 1)
            late0 = late;
        ck_assert_uint_eq(late, late0);
    }
    ck_assert_int_eq(count_of(out, "ack: NoError"), 10);
    assert_has(out, "interrupts: 10 ticks; timer stopped\n");
    assert_has(err, "irq 2              raised 10, delivered 10, acked 10");
}
END_TEST

/* The time at which `who` woke from the sleep it announced with `what`. */
static unsigned long long woke_at_within(const char *who_what, unsigned long long max_late)
{
    const char *p = strstr(out, who_what);
    ck_assert_msg(p != NULL, "no '%s' in:\n%s", who_what, out);
    unsigned long long asked, woke, extra;
    p = strstr(p, " at ");
    ck_assert_int_eq(sscanf(p, " at %llu ns: woke at %llu ns (+%llu ns)", &asked, &woke, &extra), 3);
    ck_assert_uint_lt(extra, max_late);     /* never early (that would wrap), late by little */
    return woke;
}

/* ... under the virtual clock: late only by a few kernel entries. */
static unsigned long long woke_at(const char *who_what)
{
    return woke_at_within(who_what, 100000);
}

START_TEST(timer_server_wakes_sleepers_in_deadline_order)
{
    ck_assert_int_eq(run_mica("run timer --check each"), 0);
    /* asked in the order client1 (3 ms), client2 (1 ms), client3 (2 ms) ... */
    unsigned long long c1 = woke_at("client1: sleep(3 ms)");
    unsigned long long c2 = woke_at("client2: sleep(1 ms)");
    unsigned long long c3 = woke_at("client3: sleep(2 ms)");
    /* ... woken by deadline */
    ck_assert(c2 < c3 && c3 < c1);
    ck_assert(at("client2: sleep(1 ms)") < at("client3: sleep(2 ms)"));
    ck_assert(at("client3: sleep(2 ms)") < at("client1: sleep(3 ms)"));
    ck_assert_uint_ge(c1, 3000000);
    woke_at("client3: sleep(0 ms)");
    ck_assert_int_eq(count_of(out, "client2: sleep(1 ms)"), 3);
    for (int i = 1; i <= 3; i++) {
        char want[32];
        snprintf(want, sizeof want, "client%d: done at ", i);
        assert_has(out, want);
    }
    /* under the virtual clock, the same times every run */
    static char first[sizeof out];
    memcpy(first, out, sizeof out);
    ck_assert_int_eq(run_mica("run timer"), 0);
    ck_assert_str_eq(out, first);
    /* and on the real clock (host time) every sleep still ends, never early; when the
     * clients ask depends on the host, so the order may differ */
    ck_assert_int_eq(run_mica("run timer --clock real"), 0);
    woke_at_within("client1: sleep(3 ms)", 1000000000);
    woke_at_within("client2: sleep(1 ms)", 1000000000);
    woke_at_within("client3: sleep(2 ms)", 1000000000);
    for (int i = 1; i <= 3; i++) {
        char want[32];
        snprintf(want, sizeof want, "client%d: done at ", i);
        assert_has(out, want);
    }
}
END_TEST

/* A scratch input file with text; its path (static). */
static const char *input_file(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/mica-input-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

START_TEST(console_echoes_input_lines_and_ends_at_eof)
{
    const char *in = input_file("hello\nsecond line\nno newline at the end");
    char args[256];
    snprintf(args, sizeof args, "run console --check each --input %s", in);
    ck_assert_int_eq(run_mica(args), 0);
    ck_assert_str_eq(out, "echo 1: hello\n"
                          "echo 2: second line\n"
                          "echo 3: no newline at the end\n"
                          "[console] end of input: 3 lines, 39 bytes, 0 overruns\n"
                          "client: 3 lines echoed, done\n");
    /* the same bytes on stdin */
    snprintf(args, sizeof args, "run console --input - < %s", in);
    static char first[sizeof out];
    memcpy(first, out, sizeof out);
    ck_assert_int_eq(run_mica(args), 0);
    ck_assert_str_eq(out, first);
    unlink(in);
    /* no input at all, and an empty file: the client ends at once */
    ck_assert_int_eq(run_mica("run console"), 0);
    ck_assert_str_eq(out, "[console] no input: 0 lines, 0 bytes, 0 overruns\n"
                          "client: 0 lines echoed, done\n");
    ck_assert_int_eq(run_mica("run console --input /dev/null"), 0);
    assert_has(out, "[console] end of input: 0 lines, 0 bytes, 0 overruns\n");
}
END_TEST

START_TEST(console_input_from_a_pipe_is_recorded_and_replayed)
{
    char rec[] = "/tmp/mica-rec-XXXXXX";
    close(mkstemp(rec));
    char args[512];
    /* the lines come from a pipe at host times of their own */
    snprintf(args, sizeof args,
             "-c \"(printf 'hello\\n'; sleep 0.2; printf 'second\\n'; sleep 0.1; printf 'end') | "
             "'%s' run console --input - --input-record %s --log %s.log1\"", mica_bin(), rec, rec);
    ck_assert_int_eq(run_prog("/bin/sh", args), 0);
    ck_assert_str_eq(out, "echo 1: hello\n"
                          "echo 2: second\n"
                          "echo 3: end\n"
                          "[console] end of input: 3 lines, 16 bytes, 0 overruns\n"
                          "client: 3 lines echoed, done\n");
    static char first[sizeof out];
    memcpy(first, out, sizeof out);
    char path[64];
    snprintf(path, sizeof path, "%s", rec);
    static char record[8192];
    cm_slurp(path, record, sizeof record);
    ck_assert_msg(strncmp(record, "# mica uart0 input record\n@", 27) == 0, "%s", record);
    assert_has(record, " 68\n");
    assert_has(record, " eof\n");
    /* replayed from the record: the same console output and the same text trace */
    snprintf(args, sizeof args, "run console --input %s --log %s.log2", rec, rec);
    ck_assert_int_eq(run_mica(args), 0);
    ck_assert_str_eq(out, first);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cmp -s %s.log1 %s.log2", rec, rec);
    ck_assert_msg(system(cmd) == 0, "the replayed run's text trace differs from the recorded one");
    snprintf(path, sizeof path, "%s.log1", rec);
    unlink(path);
    snprintf(path, sizeof path, "%s.log2", rec);
    unlink(path);
    /* a malformed record: one line and exit 64 before anything runs */
    FILE *f = fopen(rec, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# mica uart0 input record\n@100 68\n@50 69\n", f);
    fclose(f);
    snprintf(args, sizeof args, "run console --input %s", rec);
    ck_assert_int_eq(run_mica(args), 64);
    ck_assert_int_eq(count_lines(err), 1);
    assert_has(err, "line 3");
    ck_assert_str_eq(out, "");
    /* recording needs an input, and a file other than it */
    snprintf(args, sizeof args, "run console --input-record %s", rec);
    ck_assert_int_eq(run_mica(args), 64);
    ck_assert_int_eq(count_lines(err), 1);
    snprintf(args, sizeof args, "run console --input %s --input-record %s", rec, rec);
    ck_assert_int_eq(run_mica(args), 64);
    ck_assert_int_eq(count_lines(err), 1);
    unlink(rec);
}
END_TEST

START_TEST(console_flow_control_loses_no_byte)
{
    /* 200 lines, far more than the server's queue of 4: RTS holds the rest back */
    static char text[200 * 80];
    size_t n = 0;
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "line %03d %.*s\n", i, i % 60,
                              "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij");
    const char *in = input_file(text);
    char args[256];
    snprintf(args, sizeof args, "run console --input %s --output %s.out --trace %s.json", in, in,
             in);
    ck_assert_int_eq(run_mica(args), 0);
    char path[128];
    snprintf(path, sizeof path, "%s.out", in);
    static char console[sizeof text + 4096], expect[sizeof text + 4096];
    cm_slurp(path, console, sizeof console);
    size_t k = 0;
    const char *line = text;
    for (int i = 1; i <= 200; i++) {
        const char *nl = strchr(line, '\n');
        k += (size_t)snprintf(expect + k, sizeof expect - k, "echo %d: %.*s", i,
                              (int)(nl - line + 1), line);
        line = nl + 1;
    }
    snprintf(expect + k, sizeof expect - k,
             "[console] end of input: 200 lines, %zu bytes, 0 overruns\n"
             "client: 200 lines echoed, done\n", n);
    ck_assert_str_eq(console, expect);
    ck_assert_str_eq(out, "");      /* --output took the console */
    /* the same input, the same trace, byte for byte */
    char cmd[512];
    snprintf(path, sizeof path, "%s.json", in);
    snprintf(cmd, sizeof cmd, "mv %s %s.1", path, path);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(run_mica(args), 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s %s.1", path, path);
    ck_assert_msg(system(cmd) == 0, "two runs of console on the same input: the traces differ");
    unlink(path);
    strcat(path, ".1");
    unlink(path);
    snprintf(path, sizeof path, "%s.out", in);
    unlink(path);
    unlink(in);
}
END_TEST

START_TEST(process_examples_are_stable_on_the_real_clock)
{
    static const struct { const char *name, *last; int runs; } cases[] = {
        { "pager", "pager: served 65 faults", 40 },
        { "ramfs", "root: all done\n", 20 },
        { "supervisor", "root: all 3 clients finished\n", 40 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int r = 0; r < cases[i].runs; r++) {
            char args[64];
            snprintf(args, sizeof args, "run %s --clock real%s", cases[i].name,
                     r % 2 ? " --timeslice 1" : "");
            int st = run_mica(args);
            ck_assert_msg(st == 0, "mica %s, run %d: exit %d\n%s\n%s", args, r, st, out, err);
            assert_has(out, cases[i].last);
        }
    }
}
END_TEST

/* The standalone build/examples/<name> prints what `mica run <name>` prints. */
START_TEST(standalone_examples_match_the_runner)
{
    static const char *const names[] = { "hello", "echo", "notify", "prio", "pager", "ramfs",
                                         "supervisor", "interrupts", "timer", "console", "disk" };
    const char *dir = getenv("MICA_EXAMPLES_DIR");
    static char runner_out[sizeof out];
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir ? dir : "", names[i]);
        if (!dir || access(path, X_OK) != 0)
            continue;       /* built with -Dexamples=false */
        char args[64];
        snprintf(args, sizeof args, "run %s --check each", names[i]);
        ck_assert_int_eq(run_mica(args), 0);
        memcpy(runner_out, out, sizeof out);
        ck_assert_int_eq(run_prog(path, "--check each --stats"), 0);
        ck_assert_str_eq(out, runner_out);
        assert_has(err, "mica: stopped: idle after");
    }
}
END_TEST

/* --- options --------------------------------------------------------------- */

START_TEST(bad_command_lines_exit_64_with_one_line)
{
    static const struct { const char *args, *msg; } cases[] = {
        { "run hello --mem 12Q", "mica: --mem: '12Q' is not a size (use e.g. 8M or 1G)\n" },
        { "run hello --mem 1K", "mica: --mem: 1K is too small" },
        { "run hello --mem 100G", "mica: --mem: 100G is too large" },
        { "run hello --mem 5000000", "not a multiple of 4K" },
        { "run hello --mem", "mica: --mem needs a value" },
        { "run hello --bogus", "mica: unknown option '--bogus'" },
        { "run hello --clock fast", "mica: --clock: 'fast' is not a clock (use virtual or real)\n" },
        { "run hello --check sometimes", "'sometimes' is not a check mode" },
        { "run hello --seed x12", "mica: --seed: 'x12' is not a number" },
        { "run hello --seed -1", "mica: --seed: '-1' is not a number" },
        { "run hello --timeslice 0", "mica: --timeslice: '0'" },
        { "run hello --time-limit soon", "mica: --time-limit: 'soon'" },
        { "run hello --log-filter ipc,bogus", "unknown log category 'bogus'" },
        { "run hello --stats=yes", "mica: --stats takes no value" },
        { "run hello --trace ''", "mica: --trace: the file name is empty" },
        { "run hello --root-cnode-bits 8",
          "mica: --root-cnode-bits: '8' is not a number of bits from 9 to 24" },
        { "run hello --root-cnode-bits 25", "mica: --root-cnode-bits: '25' is not a number" },
        { "run hello --root-cnode-bits 16k", "mica: --root-cnode-bits: '16k' is not a number" },
        { "run hello --root-cnode-bits 21",
          "mica: --root-cnode-bits 21: the root CNode's 2^21 slots and the other boot objects "
          "need --mem 130M or more (--mem is 64M)\n" },
        { "run hello --mem 4M --root-cnode-bits=16", "need --mem 6M or more (--mem is 4M)" },
        { "run nosuch", "mica: run: unknown system 'nosuch'" },
        { "run", "mica: run: which system?" },
        { "run hello echo", "one system at a time" },
        { "frobnicate", "mica: unknown command 'frobnicate'" },
        { "list extra", "mica: list takes no arguments" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = run_mica(cases[i].args);
        ck_assert_msg(st == 64, "mica %s: exit %d, expected 64", cases[i].args, st);
        assert_has(err, cases[i].msg);
        ck_assert_msg(count_lines(err) == 1, "mica %s: expected one line, got:\n%s", cases[i].args,
                      err);
        ck_assert_msg(out[0] == 0, "mica %s ran the system:\n%s", cases[i].args, out);
    }
    ck_assert_int_eq(run_mica(""), 64);
    assert_has(err, "Usage: mica list");
    /* An output file that cannot be created is 73, also before the run (containment_runner). */
    static const struct { const char *args, *msg; } cantcreat[] = {
        { "run hello --cspace-dot /nonexistent-dir/x.dot", "cannot create the DOT file" },
        { "run hello --trace /nonexistent-dir/x.json", "cannot create the trace file" },
    };
    for (size_t i = 0; i < sizeof cantcreat / sizeof cantcreat[0]; i++) {
        int st = run_mica(cantcreat[i].args);
        ck_assert_msg(st == 73, "mica %s: exit %d, expected 73", cantcreat[i].args, st);
        assert_has(err, cantcreat[i].msg);
        ck_assert_msg(count_lines(err) == 1, "mica %s: expected one line, got:\n%s",
                      cantcreat[i].args, err);
        ck_assert_msg(out[0] == 0, "mica %s ran the system:\n%s", cantcreat[i].args, out);
    }
}
END_TEST

START_TEST(good_values_are_accepted)
{
    ck_assert_int_eq(run_mica("run hello --mem 8M --clock virtual --seed 0x2a --timeslice 3 "
                              "--check end --log-filter ipc,sched"), 0);
    assert_has(out, "hello from thread 'greeter'");
    ck_assert_int_eq(run_mica("run hello --mem=1G --clock=real --check=off"), 0);
    assert_has(out, "untyped cap");
    ck_assert_int_eq(run_mica("run hello --mem 16777216"), 0);
    ck_assert_int_eq(run_mica("run --help"), 0);
    assert_has(out, "--cspace-dot FILE");
    assert_has(out, "--root-cnode-bits N");
    assert_has(out, "Exit status");
}
END_TEST

/* The root CNode's size reaches the boot info (seL4: initThreadCNodeSizeBits). */
START_TEST(root_cnode_bits_sizes_the_root_cnode)
{
    ck_assert_int_eq(run_mica("run hello"), 0);
    assert_has(out, "root CNode: 2^12 slots, empty slots ");
    assert_has(out, "..4095\n");
    ck_assert_int_eq(run_mica("run hello --root-cnode-bits 16 --check end"), 0);
    assert_has(out, "root CNode: 2^16 slots, empty slots ");
    assert_has(out, "..65535\n");
    assert_has(out, "hello from thread 'greeter'");
    ck_assert_int_eq(run_mica("run hello --root-cnode-bits=9"), 0);
    assert_has(out, "root CNode: 2^9 slots, empty slots ");
    assert_has(out, "..511\n");
    ck_assert_int_eq(run_mica("run hello --root-cnode-bits 21 --mem 130M"), 0);
    assert_has(out, "root CNode: 2^21 slots");
}
END_TEST

START_TEST(stats_prints_the_counters)
{
    ck_assert_int_eq(run_mica("run echo --stats"), 0);
    static const char *const want[] = {
        "mica: stopped: idle after ", "ticks", "kernel entries", "syscalls", "Call ", "ReplyRecv ",
        "invocations", "failed)", "IPCs", "fast-path hits", "context switches", "faults",
        "objects created", "tcb 4", "endpoint 1", "frame 4", "untyped in use", "threads",
        "BlockedOnReceive 1", "Inactive 4",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_has(err, want[i]);
    /* Without --stats the runner says nothing about a normal stop. */
    ck_assert_int_eq(run_mica("run echo"), 0);
    ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(log_writes_the_text_trace)
{
    ck_assert_int_eq(run_mica("run echo --log - --log-filter ipc"), 0);
    /* The receive side, with the slot received on and the badge delivered. */
    assert_has(err, "server: received from client1 via ep slot 167 badge=1 label=19 len=3");
    assert_has(err, "client1: received reply from server label=19 len=3");
    ck_assert_ptr_null(strstr(err, "switch "));  /* filtered out */
}
END_TEST

START_TEST(log_names_signal_and_wait_and_their_badges)
{
    ck_assert_int_eq(run_mica("run notify --log - --log-filter ipc,syscall"), 0);
    assert_has(err, "producer3: Signal on ntfn slot 171 badge=4");
    assert_has(err, "consumer: Wait on ntfn slot 167\n");
    /* The receive side of a notification: the badge the Wait returned. */
    assert_has(err, "consumer: Wait on ntfn slot 167 returned badge=7 (pending)");
    assert_has(err, "consumer: Wait on ntfn slot 167 returned badge=4 (signalled by producer3)");
    ck_assert_ptr_null(strstr(err, "Send on ntfn"));
    ck_assert_ptr_null(strstr(err, "Recv on ntfn"));
}
END_TEST

START_TEST(log_slots_are_decimal_and_invocations_decoded)
{
    ck_assert_int_eq(run_mica("run echo --log - --log-filter syscall"), 0);
    assert_has(err, "root: Untyped_Retype on slot 156 type=endpoint size_bits=0 index=0 depth=0 "
                    "offset=167 num=1 root=2");
    assert_has(err, "root: CNode_Mint on slot 2 dest=168 dest_depth=64 src=167 src_depth=64 "
                    "rights=WP badge=1 src_root=2");
    assert_has(err, "root: TCB_SetPriority on slot 171 prio=200 authority=1");
    assert_has(err, "client3: Call on ep slot 170 badge=3 label=19 len=3");
    ck_assert_ptr_null(strstr(err, "cptr"));
    ck_assert_ptr_null(strstr(err, "slot 0x"));
    /* The echo protocol's labels are no invocations sent astray. */
    ck_assert_ptr_null(strstr(err, "sent to an endpoint"));
}
END_TEST

START_TEST(log_prints_a_failure_once)
{
    ck_assert_int_eq(run_mica("run hello --log - --log-filter cap,fault"), 0);
    const char *why = "destination slot 168 is not empty";
    const char *first = strstr(err, why);
    ck_assert_msg(first, "no failure in:\n%s", err);
    ck_assert_msg(!strstr(first + 1, why), "the failure is printed twice:\n%s", err);
    assert_has(err, "root: CNode_Copy on slot 2 failed: DeleteFirst");
}
END_TEST

START_TEST(library_probes_are_no_failures)
{
    /* mica_user_map tries Page_Map before it makes a page table. */
    ck_assert_int_eq(run_mica("run interrupts --stats --log - --log-filter cap"), 0);
    assert_has(err, "root: Page_Map on slot 167 returned FailedLookup, as the user library expected");
    ck_assert_ptr_null(strstr(err, "failed:"));
    assert_has(err, "(0 failed; 1 probes of the user library answered as it expected)");
}
END_TEST

/* "  NAME   N" in the stats: N. */
static uint64_t stat_of(const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "  %s ", name);
    const char *p = strstr(err, key);
    ck_assert_msg(p, "no %s in:\n%s", name, err);
    p += strlen(key);
    while (*p == ' ')
        p++;
    return strtoull(p, NULL, 10);
}

static void check_stats_add_up(unsigned cpus)
{
    uint64_t entries = stat_of("kernel entries"), ticks = stat_of("ticks");
    unsigned long long with_tick, untimed;
    const char *p = strstr(err, "  kernel entries ");
    ck_assert_int_eq(sscanf(strchr(p, '(') + 1, "%llu with a tick, %llu untimed", &with_tick,
                            &untimed), 2);
    ck_assert_uint_eq(with_tick + untimed, entries);
    ck_assert_uint_eq(with_tick, ticks);       /* virtual clock */
    if (cpus > 1) {
        uint64_t sum = 0;
        for (unsigned c = 0; c < cpus; c++) {
            char name[16];
            snprintf(name, sizeof name, "cpu%u", c);
            sum += stat_of(name);
        }
        ck_assert_uint_eq(sum, entries);
    }
}

START_TEST(stats_figures_add_up)
{
    static const char *const systems[] = { "echo", "notify", "prio", "ramfs" };
    char args[64];
    for (unsigned i = 0; i < 4; i++) {
        snprintf(args, sizeof args, "run %s --stats", systems[i]);
        ck_assert_int_eq(run_mica(args), 0);
        check_stats_add_up(1);
        snprintf(args, sizeof args, "run %s --stats --cpus 2", systems[i]);
        ck_assert_int_eq(run_mica(args), 0);
        check_stats_add_up(2);
    }
}
END_TEST

START_TEST(version_prints_the_version)
{
    ck_assert_int_eq(run_mica("--version"), 0);
    ck_assert_msg(strncmp(out, "mica ", 5) == 0 && out[5] >= '0' && out[5] <= '9' &&
                  out[strlen(out) - 1] == '\n' && count_lines(out) == 1, "got '%s'", out);
    char first[64];
    snprintf(first, sizeof first, "%s", out);
    ck_assert_int_eq(run_mica("run echo -V"), 0);
    ck_assert_str_eq(out, first);
    ck_assert_int_eq(run_mica("run --help"), 0);
    assert_has(out, "--version");
}
END_TEST

START_TEST(log_filter_without_log_warns)
{
    ck_assert_int_eq(run_mica("run echo --log-filter ipc"), 0);
    assert_has(err, "mica: --log-filter ipc has no effect without --log");
    ck_assert_int_eq(count_lines(err), 1);
}
END_TEST

START_TEST(time_limit_exits_3)
{
    ck_assert_int_eq(run_mica("run prio --time-limit 30"), 3);
    assert_has(err, "time limit");
}
END_TEST

START_TEST(cspace_dot_renders)
{
    char dotf[] = "/tmp/mica-dot-XXXXXX", args[256];
    close(mkstemp(dotf));
    snprintf(args, sizeof args, "run echo --cspace-dot %s", dotf);
    ck_assert_int_eq(run_mica(args), 0);
    static char text[1 << 16];
    cm_slurp(dotf, text, sizeof text);
    assert_has(text, "digraph mica {");
    assert_has(text, "root's CNode");
    assert_has(text, ">endpoint</TD>");
    assert_has(text, "@0x2000000 WP badge 3");
    assert_has(text, "'server'");
    assert_has(text, ">19-146</TD><TD BGCOLOR=\"#fde0ef\">frame</TD><TD ALIGN=\"LEFT\">128 caps");
    assert_has(text, "legend");
    ck_assert_int_eq(run_prog("dot", "-Tsvg -V"), 0);   /* graphviz is installed (scripts/deps.sh) */
    snprintf(args, sizeof args, "-Tsvg %s", dotf);
    int st = run_prog("dot", args);
    ck_assert_msg(st == 0, "dot -Tsvg failed (%d): %s", st, err);
    assert_has(out, "<svg");
    ck_assert_str_eq(err, "");
    unlink(dotf);
}
END_TEST

/* assert_has without the text in the message: the DOT is longer than a message may be. */
#define has_text(buf, s) ck_assert_msg(strstr((buf), (s)) != NULL, "expected \"%s\"", (s))

/*
 * The ramfs picture: valid for dot, with its legend (rights letters), the
 * CSpace band above the derivation band, each thread's CNode named after it,
 * the client's minted endpoint caps in the endpoint's row, and no drawn edges.
 */
START_TEST(cspace_dot_ramfs)
{
    if (run_prog("dot", "-V") != 0)
        return;                         /* no graphviz: nothing to render with */
    char dotf[] = "/tmp/mica-dot-XXXXXX", args[256];
    close(mkstemp(dotf));
    snprintf(args, sizeof args, "run ramfs --cspace-dot %s", dotf);
    ck_assert_int_eq(run_mica(args), 0);
    static char text[1 << 17];
    cm_slurp(dotf, text, sizeof text);
    has_text(text, "<B>legend</B>");
    has_text(text, "<B>R</B> read");
    has_text(text, "<B>W</B> write");
    has_text(text, "<B>G</B> grant");
    has_text(text, "<B>P</B> grant-reply");
    has_text(text, "badge N");
    char *cspace = strstr(text, "subgraph cluster_cspace"), *cdt = strstr(text, "subgraph cluster_cdt");
    ck_assert_ptr_nonnull(cspace);
    ck_assert_ptr_nonnull(cdt);
    ck_assert_ptr_nonnull(strstr(text, "cn0 -> d0 [style=invis]"));  /* CSpace band above */
    ck_assert(cspace < cdt);
    has_text(text, "<B>ramfs's CNode</B>");
    has_text(text, "<B>client3's CNode</B>");
    has_text(text, "client1:8 WP badge 1<BR");    /* minted from root:166 */
    /* Every edge is invisible: nothing can cross. */
    for (char *e = strstr(text, " -> "); e; e = strstr(e + 4, " -> ")) {
        char line[128];
        size_t n = strcspn(e, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line - 1 ? n : sizeof line - 1), e);
        ck_assert_msg(strstr(line, "style=invis") != NULL, "a drawn edge: %s", line);
    }
    snprintf(args, sizeof args, "-Tsvg %s", dotf);
    int st = run_prog("dot", args);
    ck_assert_msg(st == 0, "dot -Tsvg failed (%d): %s", st, err);
    assert_has(out, "<svg");
    ck_assert_str_eq(err, "");
    unlink(dotf);
}
END_TEST

/* --- mica_main: a user's own program ------------------------------------ */

static mica_cptr_t lonely_ep;

static void lonely(mica_word_t arg)
{
    (void)arg;
    mica_call(lonely_ep, mica_msginfo_new(0, 0, 0, 0));    /* nobody ever receives */
}

static void deadlock_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    lonely_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    ck_assert_uint_ne(mica_thread_spawn(&env, "lonely-client", lonely, 0, 10), 0);
}

/* Corrupt an untyped cap's watermark, then enter the kernel: the checker must notice. */
static void corrupt_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    cte_t *root_tcb_slots = (cte_t *)(hw_phys_base + ks.root_tcb);
    cte_t *slots = (cte_t *)(hw_phys_base + ((paddr_t)root_tcb_slots[0].cap.obj << 4));
    slots[bi->untyped.start].cap.word = ~0ull;
    mica_yield();
}

/* mica_main with argv, stderr captured in err[]. */
static int call_main(mica_root_task_fn root, int argc, char **argv)
{
    char e[] = "/tmp/mica-err-XXXXXX";
    int fd = mkstemp(e);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    close(fd);
    int rc = mica_main(argc, argv, root, NULL);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    cm_slurp(e, err, sizeof err);
    cm_drop_sanitizer_lines(err);
    unlink(e);
    return rc;
}

START_TEST(mica_main_reports_a_deadlock_naming_the_thread)
{
    char *argv[] = { "prog", "--check", "each", NULL };
    ck_assert_int_eq(call_main(deadlock_root, 3, argv), 1);
    assert_has(err, "deadlock");
    assert_has(err, "mica: stopped (deadlock): nothing can run and these threads wait for each other:\n");
    assert_has(err, "  lonely-client: BlockedOnSend, Call on slot ");
    ck_assert_msg(strstr(err, "deadlock: deadlock") == NULL && strstr(err, "): deadlock:") == NULL,
                  "%s", err);
    char *argv2[] = { "prog", "--stats", NULL };
    ck_assert_int_eq(call_main(deadlock_root, 2, argv2), 1);
    assert_has(err, "mica: stopped: deadlock after");
    assert_has(err, "BlockedOnSend 1");
}
END_TEST

START_TEST(mica_main_reports_a_broken_invariant)
{
    char *argv[] = { "prog", "--check", "each", NULL };
    ck_assert_int_eq(call_main(corrupt_root, 3, argv), 2);
    assert_has(err, "invariant");
}
END_TEST

START_TEST(mica_main_rejects_bad_arguments)
{
    char *argv[] = { "prog", "--seed", "abc", NULL };
    ck_assert_int_eq(call_main(deadlock_root, 3, argv), 64);
    ck_assert_str_eq(err, "mica: --seed: 'abc' is not a number\n");
    char *argv2[] = { "prog", "echo", NULL };
    ck_assert_int_eq(call_main(deadlock_root, 2, argv2), 64);
    assert_has(err, "unexpected argument 'echo'");
}
END_TEST

static mica_word_t seen_cnode_bits, seen_empty_end;

static void cnode_bits_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    seen_cnode_bits = bi->init_cnode_size_bits;
    seen_empty_end = bi->empty.end;
}

/* mica_main takes the runner's --root-cnode-bits: the boot info says so. */
START_TEST(mica_main_takes_root_cnode_bits)
{
    char *argv[] = { "prog", "--root-cnode-bits", "16", NULL };
    ck_assert_int_eq(call_main(cnode_bits_root, 3, argv), 0);
    ck_assert_uint_eq(seen_cnode_bits, 16);
    ck_assert_uint_eq(seen_empty_end, 1ul << 16);
    char *argv2[] = { "prog", "--root-cnode-bits=3", NULL };
    ck_assert_int_eq(call_main(cnode_bits_root, 2, argv2), 64);
    ck_assert_str_eq(err, "mica: --root-cnode-bits: '3' is not a number of bits from 9 to 24 "
                          "(the root CNode has 2^N slots)\n");
}
END_TEST

static char seen_args[256];
static int seen_argc;

static void args_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    char **argv = mica_main_args(&seen_argc);
    seen_args[0] = 0;
    for (int i = 0; argv[i]; i++)
        snprintf(seen_args + strlen(seen_args), sizeof seen_args - strlen(seen_args), "[%s]",
                 argv[i]);
}

/* prog [runner options] -- [program options]: the words after -- are the program's. */
START_TEST(mica_main_passes_the_words_after_double_dash_to_the_program)
{
    char *argv[] = { "prog", "--seed", "3", "--", "--seed", "9", "-v", "file", NULL };
    ck_assert_int_eq(call_main(args_root, 8, argv), 0);
    ck_assert_int_eq(seen_argc, 5);
    ck_assert_str_eq(seen_args, "[prog][--seed][9][-v][file]");
    ck_assert_str_eq(err, "");
    char *argv2[] = { "prog", "--stats", NULL };
    ck_assert_int_eq(call_main(args_root, 2, argv2), 0);
    ck_assert_int_eq(seen_argc, 1);
    ck_assert_str_eq(seen_args, "[prog]");
    char *argv3[] = { "prog", "--", NULL };
    ck_assert_int_eq(call_main(args_root, 2, argv3), 0);
    ck_assert_int_eq(seen_argc, 1);
    /* Outside a run of mica_main: none. */
    int n = 7;
    ck_assert_ptr_null(mica_main_args(&n)[0]);
    ck_assert_int_eq(n, 0);
    /* A program's word before --: still a usage error, which says where it goes. */
    char *argv4[] = { "prog", "file", "--", "x", NULL };
    ck_assert_int_eq(call_main(args_root, 4, argv4), 64);
    ck_assert_str_eq(err, "mica: unexpected argument 'file' (the program's own arguments go "
                          "after --; see --help)\n");
}
END_TEST

static Suite *examples_suite(void)
{
    Suite *s = suite_create("examples");
    TCase *tc = tcase_create("examples");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, list_names_every_example);
    tcase_add_test(tc, hello_runs);
    tcase_add_test(tc, echo_server_tells_clients_apart_by_badge);
    tcase_add_test(tc, notify_consumer_sees_ored_badges);
    tcase_add_test(tc, prio_shows_priorities_round_robin_and_preemption);
    tcase_add_test(tc, pager_maps_each_page_on_its_first_touch);
    tcase_add_test(tc, ramfs_clients_write_and_read_each_others_files);
    tcase_add_test(tc, ramfs_log_names_file_requests_and_statuses);
    tcase_add_test(tc, disk_files_outlive_the_run);
    tcase_add_test(tc, disk_fault_injection_is_reported);
    tcase_add_test(tc, supervisor_restarts_the_server_and_every_client_finishes);
    tcase_add_test(tc, interrupts_counts_timer_ticks_at_exact_times);
    tcase_add_test(tc, timer_server_wakes_sleepers_in_deadline_order);
    tcase_add_test(tc, console_echoes_input_lines_and_ends_at_eof);
    tcase_add_test(tc, console_flow_control_loses_no_byte);
    tcase_add_test(tc, console_input_from_a_pipe_is_recorded_and_replayed);
    tcase_add_test(tc, process_examples_are_stable_on_the_real_clock);
    tcase_add_test(tc, standalone_examples_match_the_runner);
    suite_add_tcase(s, tc);
    tc = tcase_create("options");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bad_command_lines_exit_64_with_one_line);
    tcase_add_test(tc, good_values_are_accepted);
    tcase_add_test(tc, root_cnode_bits_sizes_the_root_cnode);
    tcase_add_test(tc, stats_prints_the_counters);
    tcase_add_test(tc, log_writes_the_text_trace);
    tcase_add_test(tc, log_names_signal_and_wait_and_their_badges);
    tcase_add_test(tc, log_slots_are_decimal_and_invocations_decoded);
    tcase_add_test(tc, log_prints_a_failure_once);
    tcase_add_test(tc, library_probes_are_no_failures);
    tcase_add_test(tc, stats_figures_add_up);
    tcase_add_test(tc, version_prints_the_version);
    tcase_add_test(tc, log_filter_without_log_warns);
    tcase_add_test(tc, time_limit_exits_3);
    tcase_add_test(tc, cspace_dot_renders);
    tcase_add_test(tc, cspace_dot_ramfs);
    suite_add_tcase(s, tc);
    tc = tcase_create("mica_main");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, mica_main_reports_a_deadlock_naming_the_thread);
    tcase_add_test(tc, mica_main_reports_a_broken_invariant);
    tcase_add_test(tc, mica_main_rejects_bad_arguments);
    tcase_add_test(tc, mica_main_takes_root_cnode_bits);
    tcase_add_test(tc, mica_main_passes_the_words_after_double_dash_to_the_program);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(examples_suite)
