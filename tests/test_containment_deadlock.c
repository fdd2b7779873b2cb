/*
 * test_containment_deadlock.c - threads that wait for each other (mica-buggy
 * deadlock-*): the run stops with exit 1 and a report that spells out the
 * cycle or chain, with a line per waiting thread: its state, the slot (in
 * its own CSpace) and badge of the cap it waits on, who would receive or
 * reply, and where its task code blocked. Word for word, with the code
 * offsets and file:line (which the compiler decides) replaced by "+OFF".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "containment.h"

/* The report's lines of cm_err, "at f+0x1a (deadlock.c:20)" shown as "at f+OFF". */
static void report_text(char *out, size_t n)
{
    const char *s = strstr(cm_err, "mica: stopped (deadlock):");
    ck_assert_msg(s != NULL, "no deadlock report in:\n%s", cm_err);
    size_t len = 0;
    while (*s && len + 1 < n) {
        if (s[0] == '+' && s[1] == '0' && s[2] == 'x') {
            s += 3;
            while ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))
                s++;
            if (s[0] == ' ' && s[1] == '(') {    /* file:line, when addr2line knows it */
                const char *e = strchr(s, ')');
                if (e && !memchr(s, '\n', (size_t)(e - s)))
                    s = e + 1;
            }
            len += (size_t)snprintf(out + len, n - len, "+OFF");
            continue;
        }
        out[len++] = *s++;
    }
    out[len < n ? len : n - 1] = 0;
}

/* The slots the program printed: "db=166 logger=167 cache=168". */
static unsigned long slot_of(const char *name)
{
    char key[32];
    snprintf(key, sizeof key, "%s=", name);
    const char *p = strstr(cm_out, key);
    ck_assert_msg(p != NULL, "no %s in:\n%s", key, cm_out);
    return strtoul(p + strlen(key), NULL, 10);
}

static void check_cycle(const char *args)
{
    int st = cm_run("deadlock-cycle", args, 60);
    cm_assert_status(st, MICA_EXIT_DEADLOCK);
    char want[2048], got[4096];
    snprintf(want, sizeof want,
             "mica: stopped (deadlock): nothing can run and these threads wait for each other:\n"
             "  cycle: db -> logger -> cache -> db\n"
             "  db: BlockedOnReply, Call on slot %lu (endpoint, badge 0): waits for the reply "
             "from logger; at db+OFF\n"
             "  logger: BlockedOnReply, Call on slot %lu (endpoint, badge 0): waits for the reply "
             "from cache; at logger+OFF\n"
             "  cache: BlockedOnSend, Call on slot %lu (endpoint, badge 0): db receives on it; "
             "at cache+OFF\n",
             slot_of("logger"), slot_of("cache"), slot_of("db"));
    report_text(got, sizeof got);
    ck_assert_str_eq(got, want);
    cm_assert_lacks(cm_err, "deadlock: deadlock");
}

START_TEST(a_cycle_of_three_servers_is_spelled_out)
{
    check_cycle("");
    cm_assert_has(cm_err, "at db+0x");
    cm_assert_has(cm_err, "(deadlock.c:");      /* mica-buggy is built with -g */
}
END_TEST

START_TEST(the_cycle_reads_the_same_with_two_cpus_and_the_checker)
{
    check_cycle("--cpus 2");
    check_cycle("--check each");
    check_cycle("--cpus 2 --check each");
    /* Under the virtual clock, byte for byte the same, offsets included. */
    char again[1 << 16];
    memcpy(again, cm_err, sizeof again);
    cm_run("deadlock-cycle", "--cpus 2 --check each", 60);
    ck_assert_str_eq(cm_err, again);
}
END_TEST

START_TEST(a_chain_into_a_thread_nothing_wakes_is_no_cycle)
{
    int st = cm_run("deadlock-chain", "", 60);
    cm_assert_status(st, MICA_EXIT_DEADLOCK);
    char want[2048], got[4096];
    snprintf(want, sizeof want,
             "mica: stopped (deadlock): nothing can run and these threads wait for each other:\n"
             "  chain: client -> server\n"
             "  server: BlockedOnNotification, Wait on slot %lu (notification, badge 0): nobody "
             "signals it; at server+OFF\n"
             "  client: BlockedOnReply, Call on slot %lu (endpoint, badge 0): waits for the reply "
             "from server; at client+OFF\n",
             slot_of("lonely"), slot_of("server"));
    report_text(got, sizeof got);
    ck_assert_str_eq(got, want);
    cm_assert_lacks(cm_err, "cycle:");
}
END_TEST

START_TEST(an_invocation_sent_to_an_endpoint_is_called_out)
{
    int st = cm_run("deadlock-wrong-cap", "", 60);
    cm_assert_status(st, MICA_EXIT_DEADLOCK);
    char want[2048], got[4096];
    snprintf(want, sizeof want,
             "mica: stopped (deadlock): nothing can run and these threads wait for each other:\n"
             "  chain: mapper\n"
             "  mapper: BlockedOnSend, Call on slot %lu (endpoint, badge 0): nobody receives on "
             "it; label 32 = Page_Map sent to an endpoint: on an endpoint an invocation is an "
             "ordinary message; at mapper+OFF\n",
             slot_of("ep"));
    report_text(got, sizeof got);
    ck_assert_str_eq(got, want);
}
END_TEST

START_TEST(an_ordinary_message_gets_no_hint)
{
    /* The servers' messages have label 0: no invocation. */
    cm_run("deadlock-cycle", "", 60);
    cm_assert_lacks(cm_err, "sent to an endpoint");
}
END_TEST

static Suite *containment_deadlock_suite(void)
{
    Suite *s = suite_create("containment_deadlock");
    TCase *tc = tcase_create("deadlock");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_cycle_of_three_servers_is_spelled_out);
    tcase_add_test(tc, the_cycle_reads_the_same_with_two_cpus_and_the_checker);
    tcase_add_test(tc, a_chain_into_a_thread_nothing_wakes_is_no_cycle);
    tcase_add_test(tc, an_invocation_sent_to_an_endpoint_is_called_out);
    tcase_add_test(tc, an_ordinary_message_gets_no_hint);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_deadlock_suite)
