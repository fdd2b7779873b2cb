/*
 * test_containment_runner.c - the runner's own output: an output file that
 * cannot be created stops the run before it starts (exit 73, one line
 * naming the option, the path and the reason); a write that fails (a full
 * disk: /dev/full) is reported and exits 74, the run itself completing;
 * numbers with a leading 0 are decimal; two output options naming one
 * file are refused (exit 64), and so is a --disk file blk0 could not open or
 * create. mica_run, the host API, fails the same way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "containment.h"

static unsigned lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The report is exactly this one line, and the system never ran. */
#define assert_only_line(want) do { \
        cm_assert_has(cm_err, want); \
        ck_assert_msg(lines(cm_err) == 1, "expected one line, got:\n%s", cm_err); \
        ck_assert_msg(cm_out[0] == 0, "the system ran:\n%s", cm_out); \
    } while (0)

/* --- 73: an output file that cannot be created ------------------------------ */

START_TEST(a_trace_in_a_missing_directory_exits_73_before_the_run)
{
    char args[512], want[512];
    snprintf(args, sizeof args, "--trace %s/missing/x.json", cm_tmpdir());
    snprintf(want, sizeof want, "mica: cannot create the trace file %s/missing/x.json (--trace): "
             "No such file or directory\n", cm_tmpdir());
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_CANTCREAT);
    assert_only_line(want);
}
END_TEST

START_TEST(a_log_that_is_a_directory_exits_73)
{
    char args[512], want[512];
    snprintf(args, sizeof args, "--log %s", cm_tmpdir());
    snprintf(want, sizeof want, "mica: cannot create the log file %s (--log): Is a directory\n",
             cm_tmpdir());
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_CANTCREAT);
    assert_only_line(want);
}
END_TEST

START_TEST(a_dot_file_without_permission_exits_73)
{
    /* A read-only sysctl: refused even to root (EACCES; EROFS where /proc/sys is read-only). */
    cm_assert_status(cm_run("runner-hello", "--cspace-dot /proc/sys/kernel/ostype", 60),
                     MICA_EXIT_CANTCREAT);
    assert_only_line("mica: cannot create the DOT file /proc/sys/kernel/ostype (--cspace-dot): ");
    if (geteuid() != 0) {       /* root may write anywhere else */
        char dir[512], args[600], want[700];
        snprintf(dir, sizeof dir, "%s/readonly", cm_tmpdir());
        ck_assert_int_eq(mkdir(dir, 0500), 0);
        snprintf(args, sizeof args, "--cspace-dot %s/x.dot", dir);
        snprintf(want, sizeof want, "mica: cannot create the DOT file %s/x.dot (--cspace-dot): "
                 "Permission denied\n", dir);
        cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_CANTCREAT);
        assert_only_line(want);
    }
}
END_TEST

START_TEST(the_mica_command_exits_73_too)
{
    const char *bin = getenv("MICA_BIN");
    ck_assert_msg(bin && *bin, "MICA_BIN is not set");
    cm_assert_status(cm_run_prog(bin, "run hello --trace /nonexistent-dir/x.json", 60),
                     MICA_EXIT_CANTCREAT);
    assert_only_line("mica: cannot create the trace file /nonexistent-dir/x.json (--trace): "
                     "No such file or directory\n");
}
END_TEST

/* uart0's console files: --input must be readable (64), --output creatable (73). */
START_TEST(console_files_are_checked_before_the_run)
{
    const char *bin = getenv("MICA_BIN");
    ck_assert_msg(bin && *bin, "MICA_BIN is not set");
    char args[1024], want[1024];
    snprintf(args, sizeof args, "run hello --input %s/no-such-input", cm_tmpdir());
    snprintf(want, sizeof want, "mica: --input %s/no-such-input: cannot read it: "
             "No such file or directory\n", cm_tmpdir());
    cm_assert_status(cm_run_prog(bin, args, 60), MICA_EXIT_USAGE);
    assert_only_line(want);
    snprintf(args, sizeof args, "run hello --input %s", cm_tmpdir());
    cm_assert_status(cm_run_prog(bin, args, 60), MICA_EXIT_USAGE);
    assert_only_line("is a directory, not a file\n");
    cm_assert_status(cm_run_prog(bin, "run hello --input ''", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --input: the file name is empty\n");
    cm_assert_status(cm_run_prog(bin, "run hello --output /nonexistent-dir/out", 60),
                     MICA_EXIT_CANTCREAT);
    assert_only_line("mica: cannot create the console output /nonexistent-dir/out (--output): "
                     "No such file or directory\n");
    snprintf(args, sizeof args, "run hello --output %s/same.out --log %s/same.out",
             cm_tmpdir(), cm_tmpdir());
    cm_assert_status(cm_run_prog(bin, args, 60), MICA_EXIT_USAGE);
    cm_assert_has(cm_err, "are the same file");
    /* stdin and a readable file are fine */
    cm_assert_status(cm_run_prog(bin, "run hello --input - < /dev/null", 60), MICA_EXIT_OK);
    cm_assert_status(cm_run_prog(bin, "run hello --input /dev/null", 60), MICA_EXIT_OK);
}
END_TEST

/* --- 74: a write that fails -------------------------------------------------- */

START_TEST(a_trace_on_a_full_disk_exits_74_after_the_run)
{
    cm_assert_status(cm_run("runner-hello", "--trace /dev/full", 60), MICA_EXIT_IOERR);
    cm_assert_has(cm_out, "hello from the root task");
    cm_assert_has(cm_err, "mica: writing the trace to /dev/full failed: No space left on device\n");
}
END_TEST

START_TEST(a_log_on_a_full_disk_exits_74)
{
    cm_assert_status(cm_run("runner-hello", "--log /dev/full", 60), MICA_EXIT_IOERR);
    cm_assert_has(cm_out, "hello from the root task");
    cm_assert_has(cm_err, "mica: writing the log to /dev/full failed: No space left on device\n");
}
END_TEST

START_TEST(a_dot_file_on_a_full_disk_exits_74)
{
    cm_assert_status(cm_run("runner-hello", "--cspace-dot /dev/full", 60), MICA_EXIT_IOERR);
    cm_assert_has(cm_out, "hello from the root task");
    cm_assert_has(cm_err,
                  "mica: writing the DOT file to /dev/full failed: No space left on device\n");
}
END_TEST

START_TEST(a_write_failing_mid_run_is_reported_and_the_run_completes)
{
    /* 2000 yields: both files outgrow their buffers, so the first write fails while tasks run. */
    cm_assert_status(cm_run("runner-chatty", "--trace /dev/full --log /dev/full", 60),
                     MICA_EXIT_IOERR);
    cm_assert_has(cm_out, "the root task yielded 2000 times and returned");
    cm_assert_has(cm_err, "mica: writing the trace to /dev/full failed: No space left on device\n");
    cm_assert_has(cm_err, "mica: writing the log to /dev/full failed: No space left on device\n");
    ck_assert_msg(lines(cm_err) == 2, "expected two lines, got:\n%s", cm_err);
}
END_TEST

START_TEST(a_failed_write_wins_over_the_stop_reason)
{
    cm_assert_status(cm_run("runner-chatty", "--time-limit 50 --trace /dev/full", 60),
                     MICA_EXIT_IOERR);
    cm_assert_has(cm_err, "mica: writing the trace to /dev/full failed: No space left on device\n");
    cm_assert_has(cm_err, "mica: stopped: time limit of 50 ticks reached\n");
}
END_TEST

START_TEST(complete_output_files_exit_0)
{
    char args[1024];
    const char *d = cm_tmpdir();
    snprintf(args, sizeof args, "--trace %s/ok.json --log %s/ok.log --cspace-dot %s/ok.dot", d, d, d);
    cm_assert_status(cm_run("runner-chatty", args, 60), MICA_EXIT_OK);
    ck_assert_msg(cm_err[0] == 0, "unexpected report:\n%s", cm_err);
    /* Each file is whole: it ends as its format ends. */
    static const struct { const char *name, *end; } files[] = {
        { "ok.json", "\n]\n" },
        { "ok.log", "switch root -> idle\n" },
        { "ok.dot", "}\n" },
    };
    for (unsigned i = 0; i < 3; i++) {
        char path[512], text[1 << 16];
        snprintf(path, sizeof path, "%s/%s", d, files[i].name);
        FILE *f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "%s is missing", path);
        ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
        long size = ftell(f);
        long from = size > (long)sizeof text - 1 ? size - (long)sizeof text + 1 : 0;
        ck_assert_int_eq(fseek(f, from, SEEK_SET), 0);
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = 0;
        fclose(f);
        size_t e = strlen(files[i].end);
        ck_assert_msg(n >= e && strcmp(text + n - e, files[i].end) == 0,
                      "%s (%ld bytes) does not end with \"%s\"", path, size, files[i].end);
    }
}
END_TEST

/* --- numbers: a leading 0 is decimal ------------------------------------------ */

START_TEST(a_leading_zero_is_decimal_never_octal)
{
    /* 010 is ten ticks, not eight. */
    cm_assert_status(cm_run("runner-chatty", "--time-limit 010", 60), MICA_EXIT_TIME_LIMIT);
    cm_assert_has(cm_err, "mica: stopped: time limit of 10 ticks reached\n");
    /* 0x is still hexadecimal. */
    cm_assert_status(cm_run("runner-chatty", "--time-limit 0x10", 60), MICA_EXIT_TIME_LIMIT);
    cm_assert_has(cm_err, "mica: stopped: time limit of 16 ticks reached\n");
    /* 08 and 09 are numbers (they are not octal ones). */
    cm_assert_status(cm_run("runner-hello", "--seed 08 --cpus 08 --timeslice 09", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "hello from the root task");
    /* Ten CPUs are too many, where octal 010 would have been eight. */
    cm_assert_status(cm_run("runner-hello", "--cpus 010", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --cpus: '010' is not a number of CPUs from 1 to 8\n");
    /* 010M is ten MiB (octal: 8M, decimal: a valid size either way; both run). */
    cm_assert_status(cm_run("runner-hello", "--mem 010M", 60), MICA_EXIT_OK);
    /* No sign and no leading space hide in a number. */
    cm_assert_status(cm_run("runner-hello", "--seed ' 5'", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --seed: ' 5' is not a number\n");
    cm_assert_status(cm_run("runner-hello", "--seed +5", 60), MICA_EXIT_USAGE);
    cm_assert_status(cm_run("runner-hello", "--seed 0x", 60), MICA_EXIT_USAGE);
    cm_assert_status(cm_run("runner-hello", "--mem ' 8M'", 60), MICA_EXIT_USAGE);
}
END_TEST

START_TEST(tick_ns_takes_1_to_a_billion_nanoseconds)
{
    cm_assert_status(cm_run("runner-hello", "--tick-ns 250 --stats", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "hello from the root task");
    cm_assert_has(cm_err, "  time               0.");
    cm_assert_status(cm_run("runner-hello", "--tick-ns 0", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --tick-ns: '0' is not a number of nanoseconds from 1 to 1000000000\n");
    cm_assert_status(cm_run("runner-hello", "--tick-ns 1000000001", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --tick-ns: '1000000001' is not a number of nanoseconds from 1 to "
                     "1000000000\n");
    cm_assert_status(cm_run("runner-hello", "--tick-ns fast", 60), MICA_EXIT_USAGE);
}
END_TEST

/* --- --disk: a file blk0 cannot use is refused before the run ---------------------- */

START_TEST(a_bad_disk_option_exits_64_before_the_run)
{
    char args[512], want[700];
    snprintf(args, sizeof args, "--disk %s/missing/disk.img", cm_tmpdir());
    snprintf(want, sizeof want, "mica: --disk %s/missing/disk.img: cannot create it: directory "
             "%s/missing: No such file or directory\n", cm_tmpdir(), cm_tmpdir());
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_USAGE);
    assert_only_line(want);
    snprintf(args, sizeof args, "--disk %s", cm_tmpdir());
    snprintf(want, sizeof want, "mica: --disk %s: is a directory\n", cm_tmpdir());
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_USAGE);
    assert_only_line(want);
    cm_assert_status(cm_run("runner-hello", "--disk /proc/sys/kernel/ostype", 60),
                     MICA_EXIT_USAGE);
    assert_only_line("mica: --disk /proc/sys/kernel/ostype: ");
    cm_assert_status(cm_run("runner-hello", "--disk-size 1000", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --disk-size: 1000 is not a whole number of 512-byte sectors\n");
    cm_assert_status(cm_run("runner-hello", "--disk-size 2048G", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --disk-size: 2048G is too large (at most 1024G)\n");
    cm_assert_status(cm_run("runner-hello", "--disk-fail-at 0", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --disk-fail-at: '0' is not a request number (1 or more)\n");
    /* A good path is not created by the check: only by the run's disk. */
    snprintf(args, sizeof args, "--disk %s/new.img --disk-size 64K --disk-fail-at 3", cm_tmpdir());
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "hello from the root task");
}
END_TEST

/* --- two options, one file -------------------------------------------------------- */

START_TEST(trace_and_log_on_one_file_are_refused)
{
    char args[2048], want[2048];
    const char *d = cm_tmpdir();
    /* The same spelling, a file still to be made. */
    snprintf(args, sizeof args, "--trace %s/same --log %s/same", d, d);
    snprintf(want, sizeof want, "mica: --trace %s/same and --log %s/same are the same file; "
             "give each its own\n", d, d);
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_USAGE);
    assert_only_line(want);
    /* Different spellings of a file still to be made, and of a directory that is missing. */
    snprintf(args, sizeof args, "--trace %s/./new.json --log %s//sub/../new.json", d, d);
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_USAGE);
    cm_assert_has(cm_err, "are the same file");
    snprintf(args, sizeof args, "--trace %s/gone/a --log %s/gone/./b/../a", d, d);
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_USAGE);
    cm_assert_has(cm_err, "are the same file");
    /* An existing file and a link to it. */
    char file[512], link[512];
    snprintf(file, sizeof file, "%s/existing.json", d);
    snprintf(link, sizeof link, "%s/link.json", d);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    unlink(link);
    ck_assert_int_eq(symlink(file, link), 0);
    snprintf(args, sizeof args, "--log %s --trace %s", file, link);
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_USAGE);
    cm_assert_has(cm_err, "are the same file");
    /* The DOT file too. */
    snprintf(args, sizeof args, "--cspace-dot %s --trace %s", file, link);
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_USAGE);
    cm_assert_has(cm_err, "--trace");
    cm_assert_has(cm_err, "--cspace-dot");
    /* --log - is stderr; here stderr is a file, and /dev/stderr reopens it. */
    cm_assert_status(cm_run("runner-hello", "--log - --trace /dev/stderr", 60), MICA_EXIT_USAGE);
    assert_only_line("mica: --trace /dev/stderr and --log - (stderr) are the same file; "
                     "give each its own\n");
}
END_TEST

START_TEST(separate_files_and_shared_devices_are_fine)
{
    char args[1024];
    const char *d = cm_tmpdir();
    snprintf(args, sizeof args, "--trace %s/one.json --log %s/two.log", d, d);
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_OK);
    snprintf(args, sizeof args, "--trace %s/three.json --log -", d);
    cm_assert_status(cm_run("runner-hello", args, 60), MICA_EXIT_OK);
    cm_assert_has(cm_err, "root");     /* the log went to stderr */
    /* Nothing is overwritten on a device: /dev/null can take both. */
    cm_assert_status(cm_run("runner-hello", "--trace /dev/null --log /dev/null", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "hello from the root task");
}
END_TEST

/* --- the host API --------------------------------------------------------------- */

static void nothing(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
}

START_TEST(mica_run_fails_cleanly_and_reports_a_failed_write)
{
    mica_config_t cfg;
    mica_run_result_t r;
    mica_config_init(&cfg);
    cfg.phys_mem_bytes = 16u << 20;
    cfg.quiet = 1;
    cfg.trace_path = "/nonexistent-dir/x.json";
    memset(&r, 0x5a, sizeof r);
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EACCES);
    ck_assert_int_eq(r.output_error, 0x5a5a5a5a);      /* not written on failure */
    cfg.trace_path = NULL;
    cfg.log_path = "/nonexistent-dir/x.log";
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EACCES);
    cfg.log_path = NULL;
    cfg.cspace_dot_path = "/";
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EACCES);

    /* A write that fails: the run completes, the result says which file and why. */
    cfg.cspace_dot_path = NULL;
    cfg.trace_path = "/dev/full";
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), 0);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(r.output_error, ENOSPC);
    ck_assert_str_eq(r.output_path, "/dev/full");

    /* And a clean run says all was written; the machine is reusable after a failure. */
    cfg.trace_path = NULL;
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), 0);
    ck_assert_int_eq(r.output_error, 0);
    ck_assert_ptr_null(r.output_path);
}
END_TEST

static Suite *containment_runner_suite(void)
{
    Suite *s = suite_create("containment_runner");
    TCase *tc = tcase_create("runner");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_trace_in_a_missing_directory_exits_73_before_the_run);
    tcase_add_test(tc, a_log_that_is_a_directory_exits_73);
    tcase_add_test(tc, a_dot_file_without_permission_exits_73);
    tcase_add_test(tc, the_mica_command_exits_73_too);
    tcase_add_test(tc, console_files_are_checked_before_the_run);
    tcase_add_test(tc, a_trace_on_a_full_disk_exits_74_after_the_run);
    tcase_add_test(tc, a_log_on_a_full_disk_exits_74);
    tcase_add_test(tc, a_dot_file_on_a_full_disk_exits_74);
    tcase_add_test(tc, a_write_failing_mid_run_is_reported_and_the_run_completes);
    tcase_add_test(tc, a_failed_write_wins_over_the_stop_reason);
    tcase_add_test(tc, complete_output_files_exit_0);
    tcase_add_test(tc, a_leading_zero_is_decimal_never_octal);
    tcase_add_test(tc, tick_ns_takes_1_to_a_billion_nanoseconds);
    tcase_add_test(tc, a_bad_disk_option_exits_64_before_the_run);
    tcase_add_test(tc, trace_and_log_on_one_file_are_refused);
    tcase_add_test(tc, separate_files_and_shared_devices_are_fine);
    tcase_add_test(tc, mica_run_fails_cleanly_and_reports_a_failed_write);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_runner_suite)
