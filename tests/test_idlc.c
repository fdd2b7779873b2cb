/*
 * test_idlc.c - mica-idlc, the interface generator (suite idl): the good
 * interfaces under tests/idl/ pass the checker; each error class has one
 * file under tests/idl/bad/ that fails with exit status 1 and exactly one
 * line "file:line:col: message"; the generated C of fs.mi, ns.mi,
 * all_types.mi and common.mi equals tests/idl/golden/ byte for byte
 * (update-golden.sh rewrites it after a deliberate change). Runs in
 * tests/idl (the working directory); MICA_IDLC names the generator.
 */
#define _DEFAULT_SOURCE     /* mkdtemp */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run mica-idlc with args (shell words); its stderr and stdout in out, its exit status. */
static int idlc(const char *args, char *out, size_t n)
{
    const char *bin = getenv("MICA_IDLC");
    ck_assert_ptr_nonnull(bin);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", bin, args);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = 0;
    int st = pclose(p);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

START_TEST(the_example_interfaces_pass_the_checker)
{
    static const char *const good[] = { "fs.mi", "ns.mi", "all_types.mi", "common.mi" };
    char out[4096], args[256];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(args, sizeof args, "--check %s", good[i]);
        ck_assert_msg(idlc(args, out, sizeof out) == 0, "%s: %s", good[i], out);
        ck_assert_str_eq(out, "");
    }
}
END_TEST

/* Each bad file and the one line it must give. */
static const struct { const char *file, *line; } bad[] = {
    { "bad_attr.mi", "bad_attr.mi:2:6: unknown attribute 'quick'" },
    { "bad_char.mi", "bad_char.mi:2:19: unexpected character '$'" },
    { "bad_import.mi",
      "bad_import.mi:1:1: cannot read import 'bad/missing.mi': No such file or directory" },
    { "badge_out.mi",
      "badge_out.mi:2:24: 'b': a badge is only a request parameter (the server fills it in)" },
    { "big_base.mi", "big_base.mi:1:11: base 0x100000 is not in 1..0xfffff" },
    { "describe_number.mi",
      "describe_number.mi:2:16: method number 0 is reserved for the built-in describe" },
    { "dup_label.mi", "dup_label.mi:3:16: method number 1 is already used by 'a' at line 2" },
    { "dup_method.mi", "dup_method.mi:4:10: method 'f' is already defined at line 2" },
    { "dup_name.mi", "dup_name.mi:3:10: 's' is already defined at line 2" },
    { "enum_range.mi", "enum_range.mi:2:26: enumerator 'B' = 256 does not fit in u8" },
    { "error_range.mi", "error_range.mi:2:24: error 'TOO_BIG' = 65536 is not in 1..0xFFFF" },
    { "fast_string.mi",
      "fast_string.mi:2:29: [fast] method 'f': 's' is not a scalar, enum or struct" },
    { "fast_words.mi", "fast_words.mi:2:17: [fast] method 'f': reply is 5 words, more than 4" },
    { "import_cycle.mi",
      "import_cycle.mi:1:1: import cycle: 'bad/import_cycle.mi' imports itself" },
    { "keyword_name.mi", "keyword_name.mi:2:16: 'int' is a C keyword" },
    { "lease_out.mi", "lease_out.mi:2:31: 'buf': a lease is only a request parameter" },
    { "oneway_deferred.mi", "oneway_deferred.mi:2:23: oneway method 'f' cannot be [deferred]" },
    { "oneway_reply.mi", "oneway_reply.mi:2:21: oneway method 'f' has no reply" },
    { "out_before_arrow.mi", "out_before_arrow.mi:2:12: 'out' parameter before '->'" },
    { "reserved_param.mi", "reserved_param.mi:2:17: parameter name 'badge' is the generated code's" },
    { "reused_skip.mi", "reused_skip.mi:4:16: method number 2 was retired by the skip at line 3" },
    { "struct_string.mi",
      "struct_string.mi:2:16: struct field 'name': only scalars, enums, structs and arrays of them" },
    { "syntax.mi", "syntax.mi:2:17: expected ')', found ';'" },
    { "too_many_words.mi",
      "too_many_words.mi:2:10: request of 'big' is 121 words, more than the 120 of a message" },
    { "two_caps.mi",
      "two_caps.mi:2:40: request of 'give' has a second cap 'b' (one cap per message: 'a')" },
    { "type_cycle.mi", "type_cycle.mi:3:14: type 'a' is defined in terms of itself" },
    { "unknown_type.mi", "unknown_type.mi:2:12: unknown type 'widget'" },
    { "unterminated_comment.mi", "unterminated_comment.mi:2:5: unterminated comment" },
    { "zero_bound.mi", "zero_bound.mi:2:12: a bound of 0" },
};

START_TEST(each_error_class_gives_its_line_and_exit_1)
{
    char out[4096], args[256], want[512];
    snprintf(args, sizeof args, "--check bad/%s", bad[_i].file);
    int rc = idlc(args, out, sizeof out);
    snprintf(want, sizeof want, "bad/%s\n", bad[_i].line);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(rc, 1);
}
END_TEST

START_TEST(a_wrong_command_line_prints_usage_and_exits_2)
{
    char out[4096];
    const char *usage = "usage: mica-idlc [--out DIR] [--depfile FILE] [--check] FILE.mi\n";
    ck_assert_int_eq(idlc("", out, sizeof out), 2);
    ck_assert_str_eq(out, usage);
    ck_assert_int_eq(idlc("--bogus fs.mi", out, sizeof out), 2);
    ck_assert_str_eq(out, usage);
    ck_assert_int_eq(idlc("--check no-such.mi", out, sizeof out), 1);
    ck_assert_str_eq(out, "mica-idlc: cannot read no-such.mi: No such file or directory\n");
}
END_TEST

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char buf[1 << 20];
    *n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *copy = malloc(*n + 1);
    memcpy(copy, buf, *n);
    copy[*n] = 0;
    return copy;
}

static const char *const golden[] = { "common", "fs", "ns", "all_types" };

START_TEST(the_generated_c_equals_the_golden_files)
{
    char dir[] = "/tmp/idlc-golden-XXXXXX", out[4096], args[512], path[512];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(args, sizeof args, "--out %s --depfile %s/%s.d %s.mi", dir, dir, golden[_i],
             golden[_i]);
    ck_assert_msg(idlc(args, out, sizeof out) == 0, "%s", out);
    static const char *const suffixes[] = { ".h", "_client.c", "_server.c", "_trace.c" };
    for (int i = 0; i < 4; i++) {
        size_t n1, n2;
        snprintf(path, sizeof path, "%s/%s%s", dir, golden[_i], suffixes[i]);
        char *got = slurp(path, &n1);
        unlink(path);
        snprintf(path, sizeof path, "golden/%s%s", golden[_i], suffixes[i]);
        char *want = slurp(path, &n2);
        ck_assert_msg(n1 == n2 && memcmp(got, want, n1) == 0, "%s differs from %s", path, dir);
        free(got);
        free(want);
    }
    /* The depfile names the outputs and every .mi they come from. */
    size_t n;
    snprintf(path, sizeof path, "%s/%s.d", dir, golden[_i]);
    char *dep = slurp(path, &n);
    unlink(path);
    char want[1024];
    snprintf(want, sizeof want, "%s/%s.h %s/%s_client.c %s/%s_server.c %s/%s_trace.c: %s.mi%s\n",
             dir, golden[_i], dir, golden[_i], dir, golden[_i], dir, golden[_i], golden[_i],
             strcmp(golden[_i], "fs") == 0 ? " common.mi" : "");
    ck_assert_str_eq(dep, want);
    free(dep);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("idlc");
    TCase *tc = tcase_create("checker");
    tcase_add_test(tc, the_example_interfaces_pass_the_checker);
    tcase_add_loop_test(tc, each_error_class_gives_its_line_and_exit_1, 0,
                        (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, a_wrong_command_line_prints_usage_and_exits_2);
    suite_add_tcase(s, tc);
    TCase *tg = tcase_create("golden");
    tcase_add_loop_test(tg, the_generated_c_equals_the_golden_files, 0,
                        (int)(sizeof golden / sizeof golden[0]));
    suite_add_tcase(s, tg);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
