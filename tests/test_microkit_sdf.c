/*
 * test_microkit_sdf.c - Microkit system descriptions (sim/microkit/sdf.c):
 * a description using every element and attribute parses to the expected
 * values, defaults and links; each error class (one file each under
 * tests/microkit/sdf/) gives its exact one-line "file:line: message" and
 * no system. Runs in tests/microkit/sdf (the test's working directory).
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mica/constants.h>
#include "sdf.h"

static mk_system_t *load_ok(const char *path)
{
    char err[512] = "";
    mk_system_t *s = (mk_system_t *)0x1;
    int rc = mk_sdf_load(path, &s, err, sizeof err);
    ck_assert_msg(rc == 0, "%s did not load: %s", path, err);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* The load fails with exactly one line, want. */
static void load_fails(const char *path, const char *want)
{
    char err[512];
    memset(err, 'X', sizeof err);
    mk_system_t *s = (mk_system_t *)0x1;
    int rc = mk_sdf_load(path, &s, err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(strchr(err, '\n'));
}

static const mk_pd_t *pd_named(const mk_system_t *s, const char *name, int *idx)
{
    for (size_t i = 0; i < s->npds; i++)
        if (strcmp(s->pds[i].name, name) == 0) {
            *idx = (int)i;
            return &s->pds[i];
        }
    ck_abort_msg("no protection domain %s", name);
    return NULL;
}

START_TEST(a_description_with_every_element_parses_to_its_values)
{
    mk_system_t *s = load_ok("good.xml");
    ck_assert_str_eq(s->path, "good.xml");
    ck_assert_str_eq(s->dir, ".");

    /* Memory regions, in document order, '_' separators read as digits. */
    ck_assert_uint_eq(s->nmrs, 3);
    ck_assert_str_eq(s->mrs[0].name, "shared");
    ck_assert_uint_eq(s->mrs[0].size, 0x4000);
    ck_assert_uint_eq(s->mrs[0].page_size, 0x1000);      /* the default */
    ck_assert(!s->mrs[0].has_phys);
    ck_assert_int_eq(s->mrs[0].line, 4);
    ck_assert_str_eq(s->mrs[1].name, "uart_regs");
    ck_assert(s->mrs[1].has_phys);
    ck_assert_uint_eq(s->mrs[1].phys_addr, 0x9000000);
    ck_assert_str_eq(s->mrs[2].name, "big");
    ck_assert_uint_eq(s->mrs[2].size, 0x400000);
    ck_assert_uint_eq(s->mrs[2].page_size, 0x200000);

    /* PDs: parents before their children, depth first. */
    ck_assert_uint_eq(s->npds, 5);
    const char *order[] = { "server", "worker", "grandchild", "helper", "client" };
    const int parent[] = { -1, 0, 1, 0, -1 };
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(s->pds[i].name, order[i]);
        ck_assert_int_eq(s->pds[i].parent, parent[i]);
    }
    ck_assert_uint_eq(s->pds[1].child_id, 2);
    ck_assert_uint_eq(s->pds[2].child_id, 0);
    ck_assert_uint_eq(s->pds[3].child_id, 62);

    const mk_pd_t *server = &s->pds[0];
    ck_assert_int_eq(server->line, 7);
    ck_assert_uint_eq(server->priority, 200);
    ck_assert(server->pp_legacy);
    ck_assert(server->passive);
    ck_assert_uint_eq(server->budget, 500);
    ck_assert_uint_eq(server->period, 2000);
    ck_assert_uint_eq(server->stack_size, 0x4000);
    ck_assert_uint_eq(server->cpu, 1);
    ck_assert_str_eq(server->program_image, "./server.so");
    ck_assert_uint_eq(server->nmaps, 2);
    ck_assert_int_eq(server->maps[0].mr, 0);
    ck_assert_uint_eq(server->maps[0].vaddr, 0x4000000);
    ck_assert_uint_eq(server->maps[0].perms, MK_PERM_R);
    ck_assert(!server->maps[0].cached);
    ck_assert_str_eq(server->maps[0].setvar_vaddr, "shared_base");
    ck_assert_int_eq(server->maps[0].line, 10);
    ck_assert_int_eq(server->maps[1].mr, 2);
    ck_assert_uint_eq(server->maps[1].perms, MK_PERM_R | MK_PERM_W | MK_PERM_X);
    ck_assert(server->maps[1].cached);
    ck_assert_str_eq(server->maps[1].setvar_vaddr, "");
    ck_assert_uint_eq(server->nirqs, 2);
    ck_assert_uint_eq(server->irqs[0].irq, 33);
    ck_assert_uint_eq(server->irqs[0].id, 5);
    ck_assert(server->irqs[0].edge);
    ck_assert_uint_eq(server->irqs[1].irq, 34);
    ck_assert_uint_eq(server->irqs[1].id, 6);
    ck_assert(!server->irqs[1].edge);
    ck_assert_int_eq(server->irqs[1].line, 13);
    ck_assert_uint_eq(server->nsetvars, 1);
    ck_assert_str_eq(server->setvars[0].symbol, "uart_paddr");
    ck_assert_int_eq(server->setvars[0].mr, 1);
    ck_assert_int_eq(server->setvars[0].line, 14);

    /* Absolute images stay as written; relative ones are under the SDF's directory. */
    ck_assert_str_eq(s->pds[1].program_image, "/abs/worker.so");
    ck_assert_str_eq(s->pds[2].program_image, "./sub/gc.so");
    ck_assert_uint_eq(s->pds[1].nmaps, 1);
    ck_assert_int_eq(s->pds[1].maps[0].mr, 1);
    ck_assert_uint_eq(s->pds[1].maps[0].perms, MK_PERM_R | MK_PERM_W);  /* the default */
    ck_assert(s->pds[1].maps[0].cached);                                /* the default */

    /* Microkit's defaults on a PD that sets nothing. */
    const mk_pd_t *gc = &s->pds[2];
    ck_assert_uint_eq(gc->priority, 0);
    ck_assert(!gc->passive && !gc->pp_legacy);
    ck_assert_uint_eq(gc->budget, 0);
    ck_assert_uint_eq(gc->period, 0);
    ck_assert_uint_eq(gc->stack_size, 0x2000);
    ck_assert_uint_eq(gc->cpu, 0);
    ck_assert_uint_eq(gc->nmaps + gc->nirqs + gc->nsetvars, 0);

    const mk_pd_t *client = &s->pds[4];
    ck_assert_str_eq(client->maps[0].setvar_vaddr, "shared");
    ck_assert_uint_eq(client->maps[0].vaddr, 0x1000000);

    /* Channels: ends resolved to PD indices, pp and notify as written or defaulted. */
    ck_assert_uint_eq(s->nchannels, 2);
    const mk_channel_t *c0 = &s->channels[0];
    ck_assert_int_eq(c0->line, 30);
    ck_assert_int_eq(c0->end[0].pd, 4);
    ck_assert_uint_eq(c0->end[0].id, 0);
    ck_assert(c0->end[0].pp);
    ck_assert(!c0->end[0].notify);
    ck_assert_int_eq(c0->end[0].line, 31);
    ck_assert_int_eq(c0->end[1].pd, 0);
    ck_assert(!c0->end[1].pp);
    ck_assert(c0->end[1].notify);
    /* worker's end has no pp, but server has the older pp="true": worker may call it. */
    const mk_channel_t *c1 = &s->channels[1];
    ck_assert_int_eq(c1->end[0].pd, 0);
    ck_assert_uint_eq(c1->end[0].id, 61);
    ck_assert(!c1->end[0].pp);
    ck_assert_int_eq(c1->end[1].pd, 1);
    ck_assert_uint_eq(c1->end[1].id, 1);
    ck_assert(c1->end[1].pp);
    mk_sdf_free(s);
}
END_TEST

START_TEST(program_images_are_resolved_against_the_descriptions_directory)
{
    mk_system_t *s = load_ok("../sdf/good.xml");
    ck_assert_str_eq(s->dir, "../sdf");
    ck_assert_str_eq(s->pds[0].program_image, "../sdf/server.so");
    ck_assert_str_eq(s->pds[1].program_image, "/abs/worker.so");
    ck_assert_str_eq(s->pds[2].program_image, "../sdf/sub/gc.so");
    mk_sdf_free(s);

    char cwd[PATH_MAX], path[PATH_MAX + 16], want[PATH_MAX + 16];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(path, sizeof path, "%s/good.xml", cwd);
    s = load_ok(path);
    ck_assert_str_eq(s->dir, cwd);
    snprintf(want, sizeof want, "%s/helper.so", cwd);
    int i;
    ck_assert_str_eq(pd_named(s, "helper", &i)->program_image, want);
    ck_assert_int_eq(i, 3);
    mk_sdf_free(s);
}
END_TEST

START_TEST(a_missing_file_is_one_line_naming_the_path)
{
    load_fails("no/such/system.xml",
               "no/such/system.xml: cannot read the system description: No such file or directory");
}
END_TEST

/* One file per error class, and its exact message. */
static const struct { const char *file, *want; } errors[] = {
    { "malformed.xml", "malformed.xml:5: malformed XML: mismatched tag" },
    { "root.xml", "root.xml:2: the root element is <sys>; a system description's is <system>" },
    { "text.xml", "text.xml:5: unexpected text in <protection_domain>" },
    { "unknown_element.xml", "unknown_element.xml:5: unknown element <thread> in <protection_domain>" },
    { "unknown_attribute.xml", "unknown_attribute.xml:6: unknown attribute 'size' on <map>" },
    { "missing_attribute.xml", "missing_attribute.xml:6: <map> is missing the attribute 'vaddr'" },
    { "bad_number.xml",
      "bad_number.xml:3: bad number '0x1g00' for attribute 'size' of <memory_region>" },
    { "bad_bool.xml",
      "bad_bool.xml:6: bad value 'yes' for attribute 'cached' of <map>: expected true or false" },
    { "trigger.xml",
      "trigger.xml:5: bad value 'rising' for attribute 'trigger' of <irq>: expected level or edge" },
    { "duplicate_pd.xml", "duplicate_pd.xml:6: duplicate protection domain name 'a' (first at line 3)" },
    { "duplicate_mr.xml", "duplicate_mr.xml:4: duplicate memory region name 'buf' (first at line 3)" },
    { "name_too_long.xml", "name_too_long.xml:3: protection domain name 'pppppppppppppppppppp...' "
                           "is 64 characters long; at most 63 are allowed" },
    { "no_program_image.xml", "no_program_image.xml:4: protection domain 'a' has no <program_image>" },
    { "two_program_images.xml",
      "two_program_images.xml:5: protection domain 'a' has more than one <program_image>" },
    { "empty_path.xml", "empty_path.xml:4: the path of <program_image> is empty" },
    { "priority.xml", "priority.xml:3: priority 255 is out of range (0..254)" },
    { "budget_period.xml", "budget_period.xml:3: budget 2000 is larger than period 1000" },
    { "stack_size_range.xml", "stack_size_range.xml:3: stack_size 0x800 is out of range (0x1000..0x1000000)" },
    { "stack_size_unaligned.xml", "stack_size_unaligned.xml:3: stack_size 0x1800 is not a multiple of 0x1000" },
    { "channel_id_range.xml", "channel_id_range.xml:11: id 63 of <end> is out of range (0..61)" },
    { "channel_id_fault_bit.xml",
      "channel_id_fault_bit.xml:12: id 62 of <end> is out of range (0..61)" },
    { "irq_id_range.xml", "irq_id_range.xml:5: id 99 of <irq> is out of range (0..61)" },
    { "duplicate_irq_id.xml",
      "duplicate_irq_id.xml:6: channel id 4 of protection domain 'drv' is already used (line 5)" },
    { "duplicate_channel_id.xml",
      "duplicate_channel_id.xml:18: channel id 1 of protection domain 'a' is already used (line 13)" },
    { "irq_channel_id_clash.xml",
      "irq_channel_id_clash.xml:12: channel id 2 of protection domain 'drv' is already used (line 5)" },
    { "irq_twice.xml",
      "irq_twice.xml:9: irq 33 is already delivered to protection domain 'uart' (line 5)" },
    { "child_id_range.xml", "child_id_range.xml:5: id 63 of <protection_domain> is out of range (0..62)" },
    { "child_id_duplicate.xml",
      "child_id_duplicate.xml:8: child id 3 of protection domain 'parent' is already used (line 5)" },
    { "too_many_pds.xml", "too_many_pds.xml:66: more than 63 protection domains" },
    { "no_pd.xml", "no_pd.xml:2: the system has no protection domain" },
    { "mr_size.xml", "mr_size.xml:3: size 0x1800 is not a positive multiple of the page size 0x1000" },
    { "mr_page_size.xml", "mr_page_size.xml:3: page_size 0x3000 is not supported (0x1000 or 0x200000)" },
    { "mr_phys_unaligned.xml",
      "mr_phys_unaligned.xml:3: phys_addr 0x9000800 is not a multiple of the page size 0x1000" },
    { "mr_phys_overlap.xml",
      "mr_phys_overlap.xml:4: physical range of 'gpio' overlaps that of 'uart' (line 3)" },
    { "perms_letters.xml", "perms_letters.xml:6: perms 'rwz' may only combine the letters r, w and x" },
    { "perms_write_only.xml", "perms_write_only.xml:6: perms 'w': write-only mappings are not allowed" },
    { "perms_empty.xml",
      "perms_empty.xml:6: perms is empty: a mapping needs at least one of r, w and x" },
    { "map_unknown_mr.xml", "map_unknown_mr.xml:6: map of unknown memory region 'buffer'" },
    { "map_unaligned.xml",
      "map_unaligned.xml:6: vaddr 0x201000 is not a multiple of the page size 0x200000 of 'big'" },
    { "map_overlap.xml", "map_overlap.xml:8: map of 'two' at [0x201000, 0x202000) overlaps the map "
                         "of 'one' at [0x200000, 0x202000) (line 7)" },
    { "setvar_unknown_mr.xml",
      "setvar_unknown_mr.xml:6: setvar 'dma_paddr' names unknown memory region 'dma_buf'" },
    { "setvar_duplicate_symbol.xml",
      "setvar_duplicate_symbol.xml:7: symbol 'dma' of protection domain 'a' is already set (line 6)" },
    { "end_unknown_pd.xml", "end_unknown_pd.xml:8: channel end names unknown protection domain 'server'" },
    { "channel_self.xml", "channel_self.xml:6: channel connects protection domain 'a' to itself" },
    { "channel_one_end.xml",
      "channel_one_end.xml:6: a channel needs exactly two <end> elements, this one has 1" },
    { "channel_three_ends.xml",
      "channel_three_ends.xml:9: a channel needs exactly two <end> elements, this one has 3" },
    { "pp_both.xml", "pp_both.xml:9: both ends of the channel have pp; a PPC goes one way only" },
    { "pp_priority.xml", "pp_priority.xml:10: 'client' (priority 100) may not PPC 'server' (priority 100): "
                         "a PPC must go to a strictly higher priority" },
    { "pp_legacy_priority.xml",
      "pp_legacy_priority.xml:11: 'client' (priority 100) may not PPC 'server' (priority 50): "
      "a PPC must go to a strictly higher priority" },
};

START_TEST(each_error_class_is_one_line_with_file_and_line)
{
    load_fails(errors[_i].file, errors[_i].want);
}
END_TEST

START_TEST(a_map_beyond_the_address_space_is_refused)
{
    char want[256];
    snprintf(want, sizeof want, "map_outside.xml:6: map of 'buf' at 0xfffffffffffff000 (size 0x2000) "
             "does not fit below 0x%llx", 1ull << MICA_VADDR_BITS);
    load_fails("map_outside.xml", want);
}
END_TEST

START_TEST(every_error_file_in_the_directory_is_tested)
{
    /* good.xml loads; every other .xml is in the table above (a file per class). */
    FILE *ls = popen("ls *.xml", "r");
    ck_assert_ptr_nonnull(ls);
    char name[256];
    size_t seen = 0;
    while (fgets(name, sizeof name, ls)) {
        name[strcspn(name, "\n")] = 0;
        if (strcmp(name, "good.xml") == 0 || strcmp(name, "map_outside.xml") == 0)
            continue;
        bool found = false;
        for (size_t i = 0; i < sizeof errors / sizeof errors[0] && !found; i++)
            found = strcmp(errors[i].file, name) == 0;
        ck_assert_msg(found, "%s has no expected message", name);
        seen++;
    }
    pclose(ls);
    ck_assert_uint_eq(seen, sizeof errors / sizeof errors[0]);
}
END_TEST

START_TEST(the_error_is_cut_to_the_buffer_and_still_terminated)
{
    char err[16];
    mk_system_t *s = NULL;
    ck_assert_int_eq(mk_sdf_load("priority.xml", &s, err, sizeof err), -1);
    ck_assert_str_eq(err, "priority.xml:3:");
    ck_assert_ptr_null(s);
    mk_sdf_free(NULL);      /* freeing nothing is allowed */
}
END_TEST

static Suite *microkit_sdf_suite(void)
{
    Suite *s = suite_create("microkit_sdf");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, a_description_with_every_element_parses_to_its_values);
    tcase_add_test(tc, program_images_are_resolved_against_the_descriptions_directory);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, a_missing_file_is_one_line_naming_the_path);
    tcase_add_loop_test(tc, each_error_class_is_one_line_with_file_and_line, 0,
                        (int)(sizeof errors / sizeof errors[0]));
    tcase_add_test(tc, a_map_beyond_the_address_space_is_refused);
    tcase_add_test(tc, every_error_file_in_the_directory_is_tested);
    tcase_add_test(tc, the_error_is_cut_to_the_buffer_and_still_terminated);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(microkit_sdf_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
