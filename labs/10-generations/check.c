/* The checker of lab 10 (three generations): the port queue's semantics and its cost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#define QLIMIT 5
#define STRESS_TOTAL 60         /* lab.c: 3 senders x 20 messages */
#define ROUND_TRIPS 200         /* lab.c: n of TASK 4 */
enum { R_OK, R_DEAD, R_EMPTY, R_INVALID };

static const char *task1(const lab_run_t *r)
{
    long long answered = lab_fact(r, "t1_answered", -1), count = lab_fact(r, "t1_count", -1);
    long long waiting = lab_fact(r, "t1_waiting", -1);
    if (answered < 0)
        return "the lab's own code did not run to its end of TASK 1";
    if (answered == 6 || count > QLIMIT)
        return lab_why("all six sends were answered and the queue holds %lld: a port holds at most "
                       "QLIMIT (5) messages - the 6th sender must wait (Q_BLOCKED) until a receive "
                       "makes room", count);
    if (answered != 5 || count != QLIMIT)
        return lab_why("after six sends to an empty port, %lld were answered and the queue holds "
                       "%lld: the first five must be queued (Q_QUEUED)", answered, count);
    if (waiting != 1)
        return lab_why("the 6th sender is not among the port's waiters (%lld waiting): add it at "
                       "the end of p->waiters and keep its message in clients[sender].pending",
                       waiting);
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    long long after_one = lab_fact(r, "t2_answered_after_one", -1);
    long long received = lab_fact(r, "t2_received", -1);
    if (after_one < 0)
        return "the lab's own code did not run to its end of TASK 2";
    if (after_one != 6)
        return "one receive made room, but the waiting 6th sender was not let in (its Call is "
               "still unanswered): port_dequeue must put the longest-waiting sender's pending "
               "message on the queue and return that sender in *woken";
    if (lab_fact(r, "t2_count_after_one", -1) != QLIMIT || received < 6)
        return lab_why("the waiting sender was answered, but its message never reached the queue "
                       "(%lld of 6 received): a message was lost - put clients[s].pending at the "
                       "queue's tail before waking s", received);
    if (received != 6)
        return lab_why("six messages were sent but %lld received: a message was duplicated",
                       received);
    if (!lab_fact(r, "t2_in_order", 0))
        return "the messages came out in the wrong order: a port's queue is FIFO - receive the "
               "OLDEST message (q[head]), not the newest";
    long long total = lab_fact(r, "t2_stress_total", -1), lost = lab_fact(r, "t2_stress_lost", -1);
    long long dup = lab_fact(r, "t2_stress_dup", -1), re = lab_fact(r, "t2_stress_reorder", -1);
    if (lost)
        return lab_why("three senders sent %d messages; %lld never arrived: a message was lost "
                       "(with senders waiting for room)", STRESS_TOTAL, lost);
    if (dup)
        return lab_why("with three senders, %lld messages arrived twice", dup);
    if (re)
        return lab_why("with three senders, %lld messages arrived out of their sender's order: "
                       "the queue and the waiters are both FIFO", re);
    if (total != STRESS_TOTAL || lab_fact(r, "t2_stress_senders_done", -1) != 3)
        return lab_why("three senders sent %d messages but %lld arrived", STRESS_TOTAL, total);
    return NULL;
}

static const char *task3(const lab_run_t *r)
{
    long long answer = lab_fact(r, "t3_waiter_answer", -2);
    if (answer == -2)
        return "the lab's own code did not run to its end of TASK 3";
    if (lab_fact(r, "t3_count_before", -1) != QLIMIT || lab_fact(r, "t3_waiting_before", -1) != 1)
        return "before the receiver died, the port should have held 5 messages and 1 waiting "
               "sender: check TASKs 1-2";
    if (answer == -1)
        return "the sender waiting for room on the dead port was never answered (it would wait "
               "forever): port_destroy must put every waiting sender in woken[] and return how "
               "many";
    if (answer != R_DEAD)
        return lab_why("the waiting sender's send to the dead port was answered %lld, not R_DEAD "
                       "(%d)", answer, R_DEAD);
    if (lab_fact(r, "t3_later_send", -1) != R_DEAD)
        return "a send to the port after its receiver died was accepted: mark the port dead "
               "(p->dead), so that portd answers every later send R_DEAD";
    if (lab_fact(r, "t3_dropped", -1) != QLIMIT || lab_fact(r, "t3_count_after", -1) != 0)
        return lab_why("the dead port's %d queued messages were not all destroyed (dropped: %lld, "
                       "still queued: %lld): add p->count to dropped and empty the queue", QLIMIT,
                       lab_fact(r, "t3_dropped", -1), lab_fact(r, "t3_count_after", -1));
    if (lab_fact(r, "t3_waiting_after", -1) != 0)
        return "the dead port still lists waiting senders: set p->nwait to 0";
    return NULL;
}

static const char *task4(const lab_run_t *r)
{
    static const char *what[] = { "entries", "ipcs", "switches" };
    static const char *words[] = { "kernel entries", "IPCs", "context switches" };
    static char why[512];
    if (lab_fact(r, "t4_end", 0) != 1)
        return "the lab's own code did not run to its end of TASK 4";
    for (int w = 0; w < 2; w++) {
        const char *path = w ? "sel4" : "mach";
        const char *name = w ? "seL4 Call/ReplyRecv" : "Mach-style";
        char key[48];
        snprintf(key, sizeof key, "t4_%s_calls", path);
        long long calls = lab_fact(r, key, -1);
        if (calls != ROUND_TRIPS)
            return lab_why("the %s round trip ran %lld times during the measurement, not n = %d: "
                           "measure each path once, n round trips", name, calls, ROUND_TRIPS);
        for (int k = 0; k < 3; k++) {
            snprintf(key, sizeof key, "t4_%s_%s_x100", path, what[k]);
            long long truth = lab_fact(r, key, -1);
            snprintf(key, sizeof key, "t4_%s_said_%s_x100", path, what[k]);
            long long said = lab_fact(r, key, -1);
            if (llabs(said - truth) > 1) {
                snprintf(why, sizeof why, "the %s round trip's %s per round trip came out %.2f, "
                         "but the kernel counted %.2f: read mica_sim_counters just before and "
                         "just after the n round trips, subtract, and divide by n", name,
                         words[k], said / 100.0, truth / 100.0);
                return why;
            }
        }
    }
    /* 2 entries, plus a fraction: the timer preempts every few ticks, and the system call a
       preempted thread was in runs again (untimed) when it resumes. */
    long long se4 = lab_fact(r, "t4_sel4_entries_x100", 0);
    if (se4 < 200 || se4 >= 300 || lab_fact(r, "t4_sel4_ipcs_x100", 0) != 200 ||
        lab_fact(r, "t4_sel4_switches_x100", 0) != 200)
        return "an seL4 round trip should cost 2 IPCs, 2 context switches and 2 kernel entries "
               "(and a fraction: the timer): did something else run during the measurement?";
    long long me = lab_fact(r, "t4_mach_entries_x100", 0), se = lab_fact(r, "t4_sel4_entries_x100", 1);
    long long ratio = lab_fact(r, "t4_ratio_x100", 0), want = (me * 100 + se / 2) / se;
    if (llabs(ratio - want) > 1)
        return lab_why("the ratio is %.2f, but Mach-style entries / seL4 entries per round trip "
                       "is %.2f", ratio / 100.0, want / 100.0);
    if (want < 200 || want > 800)
        return lab_why("a Mach-style round trip costing %.2f times an seL4 one is implausible: "
                       "each side of it is a Call to portd and an answer (expected 2-8)",
                       want / 100.0);
    if (!lab_said(r, "ratio: "))
        return "print the ratio: a line \"ratio: R\"";
    long long ipcs = lab_stat(r, "IPCs");
    if (ipcs >= 0 && ipcs < 2 * ROUND_TRIPS * 2)
        return lab_why("the run made only %lld IPCs in all: fewer than the round trips measured",
                       ipcs);
    return NULL;
}

static const lab_spec_t spec = {
    .number = 10,
    .title = "three generations",
    .ntasks = 4,
    .task = { "port_enqueue: qlimit 5, the 6th sender waits",
              "port_dequeue: FIFO, a waiting sender let in, nothing lost or doubled",
              "port_destroy: the receiver dies - dead port, waiting senders answered",
              "measure a Mach-style round trip against seL4's Call/ReplyRecv" },
    .check = { task1, task2, task3, task4 },
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
