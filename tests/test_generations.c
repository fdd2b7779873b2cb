/*
 * test_generations - the three generations side by side: the same file
 * service written three ways (examples/generations) gives the same output,
 * and ipc-generations measures and prices the three kinds of IPC.
 *
 * The programs run as child processes, as a user runs them
 * (MICA_GEN_DIR: build/examples/generations; IPC_GENERATIONS: the bench,
 * unset when the bench is not built).
 */
#include <stdlib.h>
#include <string.h>
#include "containment.h"

static const char expected_output[] =
    "client: open greeting -> handle 0\n"
    "client: wrote 18 bytes\n"
    "client: read \"hello, generations\"\n"
    "client: open missing -> not found\n"
    "client: closed, 5 requests\n";

static const char *gen_prog(const char *name)
{
    static char path[512];
    const char *d = getenv("MICA_GEN_DIR");
    ck_assert_msg(d && *d, "MICA_GEN_DIR is not set (meson sets it)");
    snprintf(path, sizeof path, "%s/%s", d, name);
    return path;
}

/* --- the seL4-style file service ------------------------------------------------ */

START_TEST(files_sel4_prints_the_five_answers)
{
    cm_assert_status(cm_run_prog(gen_prog("files_sel4"), "", 60), 0);
    ck_assert_str_eq(cm_out, expected_output);
}
END_TEST

/* --- the same service, Mach style ---------------------------------------------------- */

START_TEST(files_mach_prints_the_same_five_answers)
{
    cm_assert_status(cm_run_prog(gen_prog("files_mach"), "", 60), 0);
    ck_assert_str_eq(cm_out, expected_output);
}
END_TEST

/* --- and L4 style --------------------------------------------------------------------- */

START_TEST(files_l4_prints_the_same_five_answers)
{
    cm_assert_status(cm_run_prog(gen_prog("files_l4"), "--check each --stats", 60), 0);
    ck_assert_str_eq(cm_out, expected_output);
    cm_assert_has(cm_err, "mica: stopped: idle after");
}
END_TEST

/* All three under invariants at every kernel entry, and each ends idle. */
START_TEST(all_three_end_idle_under_check_each)
{
    static const char *progs[] = { "files_sel4", "files_mach", "files_l4" };
    for (int i = 0; i < 3; i++) {
        cm_assert_status(cm_run_prog(gen_prog(progs[i]), "--check each --stats", 60), 0);
        ck_assert_str_eq(cm_out, expected_output);
        cm_assert_has(cm_err, "mica: stopped: idle after");
    }
}
END_TEST

/* --log names every request and reply by interface and method, in order. */
START_TEST(files_sel4_log_names_each_rpc)
{
    cm_assert_status(cm_run_prog(gen_prog("files_sel4"), "--log - --log-filter ipc", 60), 0);
    static const char *lines[] = {
        "files: received from client via ep slot 8 badge=1 label=21249 (files3.open) len=5\n",
        "client: received reply from files label=0 (files3.open: OK) len=1\n",
        "files: received from client via ep slot 8 badge=1 label=21250 (files3.write) len=35\n",
        "client: received reply from files label=0 (files3.write: OK) len=1\n",
        "files: received from client via ep slot 8 badge=1 label=21251 (files3.read) len=3\n",
        "client: received reply from files label=0 (files3.read: OK) len=33\n",
        "files: received from client via ep slot 8 badge=1 label=21249 (files3.open) len=5\n",
        "client: received reply from files label=1 (files3.open: NOT_FOUND) len=0\n",
        "files: received from client via ep slot 8 badge=1 label=21252 (files3.close) len=1\n",
        "client: received reply from files label=0 (files3.close: OK) len=0\n",
    };
    const char *p = cm_err;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *q = strstr(p, lines[i]);
        ck_assert_msg(q != NULL, "expected, in order, \"%s\" in:\n%s", lines[i], cm_err);
        p = q + strlen(lines[i]);
    }
}
END_TEST

/* --trace names the messages by method on the timeline, and keeps the kernel's op. */
START_TEST(files_sel4_trace_names_each_rpc)
{
    char args[600], path[512], json[1 << 16];
    snprintf(path, sizeof path, "%s/files.json", cm_tmpdir());
    snprintf(args, sizeof args, "--trace '%s'", path);
    cm_assert_status(cm_run_prog(gen_prog("files_sel4"), args, 60), 0);
    cm_slurp(path, json, sizeof json);
    cm_assert_has(json, "\"name\":\"files3.open\",\"cat\":\"ipc\"");
    cm_assert_has(json, "\"name\":\"files3.open: NOT_FOUND\",\"cat\":\"ipc\"");
    cm_assert_has(json, "\"name\":\"files3.read: OK\",\"cat\":\"ipc\"");
    cm_assert_has(json, "\"args\":{\"op\":\"message\",\"cpu\":0,\"to\":\"files\"");
    cm_assert_has(json, "\"args\":{\"op\":\"reply\",\"cpu\":0,\"to\":\"client\"");
}
END_TEST

/* --- ipc-generations ---------------------------------------------------------------- */

static const char *bench_prog(void)
{
    return getenv("IPC_GENERATIONS");
}

/*
 * The value in column col of the first table's row for `bytes`: 0 bytes,
 * 1 sel4-fast, 2 sel4-buf, 3 l4, 4 mach, 5 the ratio; "-" reads as 0, and a
 * model cell's "(us)" part is skipped.
 */
static double table_value(const char *out, unsigned bytes, int col)
{
    char key[32], line[256], *save = NULL;
    snprintf(key, sizeof key, "\n%7u ", bytes);
    const char *row = strstr(out, key);
    ck_assert_msg(row != NULL, "no row for %u bytes in:\n%s", bytes, out);
    row++;
    size_t n = strcspn(row, "\n");
    ck_assert_uint_lt(n, sizeof line);
    memcpy(line, row, n);
    line[n] = '\0';
    for (char *p; (p = strchr(line, '(')) != NULL;) {       /* drop "( 6)" */
        char *q = strchr(p, ')');
        ck_assert_ptr_nonnull(q);
        memmove(p, q + 1, strlen(q + 1) + 1);
    }
    int c = 0;
    for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save), c++)
        if (c == col)
            return strcmp(tok, "-") == 0 ? 0 : strtod(tok, NULL);
    ck_abort_msg("row for %u bytes has no column %d", bytes, col);
    return 0;
}

START_TEST(cost_model_is_the_same_every_run_and_shows_mach_dearer)
{
    if (!bench_prog()) {
        fprintf(stderr, "ipc-generations not built (-Dbench=false): skipped\n");
        return;
    }
    static char first[1 << 16];
    cm_assert_status(cm_run_prog(bench_prog(), "--model", 300), 0);
    snprintf(first, sizeof first, "%s", cm_out);
    cm_assert_status(cm_run_prog(bench_prog(), "--model", 300), 0);
    ck_assert_str_eq(cm_out, first);
    cm_assert_has(first, "hosted simulator - compare shapes, not absolute numbers");
    cm_assert_has(first, "cost model");
    /* Every size has a row; the register path stops at 32 bytes, the others go on. */
    static const unsigned sizes[] = { 8, 64, 512, 960, 4096, 16384 };
    for (size_t i = 0; i < 6; i++)
        ck_assert_double_eq_tol(table_value(first, sizes[i], 0), sizes[i], 0.5);
    double fast8 = table_value(first, 8, 1), mach8 = table_value(first, 8, 4);
    double buf4k = table_value(first, 4096, 2), mach4k = table_value(first, 4096, 4);
    ck_assert_msg(mach8 >= 5 * fast8, "mach %.0f vs sel4 %.0f at 8 B", mach8, fast8);
    /* The ratio shrinks with size, as Liedtke found: copying dominates. */
    ck_assert_msg(mach4k / buf4k < mach8 / fast8, "4 KiB ratio %.1f, 8 B ratio %.1f",
                  mach4k / buf4k, mach8 / fast8);
    /* The counters: an seL4 round trip is two IPCs, a Mach one four (through machd). */
    cm_assert_has(first, "      8  sel4-fast 2/2/2/0/");
    ck_assert_msg(strstr(first, "mach      8/4/4/") != NULL, "mach counters in:\n%s", first);
}
END_TEST

START_TEST(csv_and_svg_are_written)
{
    if (!bench_prog())
        return;
    char args[1200], csv[512], svg[512];
    snprintf(csv, sizeof csv, "%s/gen.csv", cm_tmpdir());
    snprintf(svg, sizeof svg, "%s/gen.svg", cm_tmpdir());
    snprintf(args, sizeof args, "--model --sizes 8,4096 --csv '%s' --svg '%s'", csv, svg);
    cm_assert_status(cm_run_prog(bench_prog(), args, 300), 0);
    static char text[1 << 16];
    cm_slurp(csv, text, sizeof text);
    ck_assert_msg(strncmp(text, "size,path,ns_oneway,model_cycles_oneway,ipc_per_rt,"
                                "bytes_copied_per_rt,kernel_entries_per_rt,", 70) == 0,
                  "csv header: %s", text);
    cm_assert_has(text, "\n8,sel4-fast,");
    cm_assert_has(text, "\n4096,sel4-buf,");
    cm_assert_has(text, "\n4096,mach,");
    cm_slurp(svg, text, sizeof text);
    ck_assert_msg(strncmp(text, "<svg ", 5) == 0, "svg: %.80s", text);
    cm_assert_has(text, "</svg>\n");
    cm_assert_has(text, "mach / sel4:");
    cm_assert_has(text, "(1993: 22x)");
}
END_TEST

START_TEST(timed_run_prints_the_table_and_bad_options_are_refused)
{
    if (!bench_prog())
        return;
    cm_assert_status(cm_run_prog(bench_prog(), "--quick --sizes 8", 300), 0);
    cm_assert_has(cm_out, "host time");
    cm_assert_has(cm_out, "mach/sel4");
    cm_assert_status(cm_run_prog(bench_prog(), "--sizes 8,0", 30), 64);
    cm_assert_has(cm_err, "ipc-generations: --sizes 8,0: want up to 16 sizes of 1..16384 bytes");
    cm_assert_status(cm_run_prog(bench_prog(), "--sizes 99999", 30), 64);
    cm_assert_status(cm_run_prog(bench_prog(), "--frobnicate", 30), 64);
    cm_assert_has(cm_err, "ipc-generations: unknown option --frobnicate");
}
END_TEST

static Suite *generations_suite(void)
{
    Suite *s = suite_create("generations");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, files_sel4_prints_the_five_answers);
    tcase_add_test(tc, files_mach_prints_the_same_five_answers);
    tcase_add_test(tc, files_l4_prints_the_same_five_answers);
    tcase_add_test(tc, all_three_end_idle_under_check_each);
    tcase_add_test(tc, files_sel4_log_names_each_rpc);
    tcase_add_test(tc, files_sel4_trace_names_each_rpc);
    suite_add_tcase(s, tc);
    tc = tcase_create("bench");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, cost_model_is_the_same_every_run_and_shows_mach_dearer);
    tcase_add_test(tc, csv_and_svg_are_written);
    tcase_add_test(tc, timed_run_prints_the_table_and_bad_options_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(generations_suite)
