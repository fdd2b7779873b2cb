/* The checker of lab 6 (notifications): what each task must leave behind. */
#include <stdio.h>
#include <string.h>
#include <mica/types.h>
#include "check.h"

#define ITEMS 40            /* 2 producers x 20 */
#define BUF_VADDR 0x180000

static const char *task1(const lab_run_t *r)
{
    long long who = lab_fact(r, "fault_who", -1);
    if (who >= 0) {
        long long addr = lab_fact(r, "fault_addr", 0);
        const char *name = who == 2 ? "the consumer" : who == 0 ? "producer 0" : "producer 1";
        if (lab_fact(r, "fault_kind", 0) == MICA_FAULT_VM && addr / 4096 == BUF_VADDR / 4096)
            return lab_why("%s took a VM fault at 0x%llx, in the shared buffer: it is not mapped "
                           "in its VSpace - a frame cap holds one mapping, so map a copy "
                           "(mica_env_mint) in each VSpace", name, addr);
        return lab_why("%s faulted (kind %lld at 0x%llx)", name, lab_fact(r, "fault_kind", 0), addr);
    }
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    if (lab_fact(r, "fault_who", -1) >= 0)
        return "not reached: TASK 1 failed first";
    long long bits = lab_fact(r, "badges_seen", -1);
    if (bits >= 0 && bits != 3 && (lab_fact(r, "stuck", 0) == 1 || lab_fact(r, "finished", 0) == 1))
        return lab_why("the consumer's Waits returned the badge bits 0x%llx in all: mint each "
                       "producer's data cap with its own bit, 1 << p, so the consumer knows "
                       "whose ring has items", bits);
    if (lab_fact(r, "waited_for_space", 0) != 2)
        return "the producers did not wait for space when their rings were full (head - tail "
               "== RING): wait on the space notification";
    if (lab_fact(r, "finished", 0) == 1 && lab_fact(r, "order_errors", 0) != 0)
        return lab_why("%lld items arrived out of order or twice: store the item before you "
                       "advance head, and signal after", lab_fact(r, "order_errors", 0));
    return NULL;
}

static const char *task3(const lab_run_t *r)
{
    if (lab_fact(r, "stuck", 0) == 1) {
        int w0 = lab_fact(r, "waiting_space_0", 0) == 1, w1 = lab_fact(r, "waiting_space_1", 0) == 1;
        if (w0 || w1)
            return lab_why("every thread blocked: %s for space for ever - after taking "
                           "items from ring p the consumer must signal space to producer p "
                           "(scap0 + p)", w0 && w1 ? "producers 0 and 1 wait" :
                           w0 ? "producer 0 waits" : "producer 1 waits");
        return lab_why("every thread blocked with %lld of %d items delivered",
                       lab_fact(r, "delivered", 0), ITEMS);
    }
    if (lab_fact(r, "finished", 0) != 1)
        return "not reached: the consumer did not finish";
    if (lab_fact(r, "delivered", 0) != ITEMS || lab_fact(r, "order_errors", 0) != 0)
        return lab_why("%lld items delivered, %lld out of order or twice: expected each of the "
                       "%d once, in each producer's order", lab_fact(r, "delivered", 0),
                       lab_fact(r, "order_errors", 0), ITEMS);
    long long polls = lab_stat(r, "NBRecv");
    if (polls > ITEMS)
        return lab_why("the consumer busy-waits: %lld Polls for %d items - Wait blocks until "
                       "there is data", polls, ITEMS);
    if (lab_fact(r, "wakeups", 0) > ITEMS)
        return lab_why("the consumer woke %lld times for %d items: it busy-waits",
                       lab_fact(r, "wakeups", 0), ITEMS);
    return NULL;
}

static const lab_spec_t spec = {
    .number = 6,
    .title = "notifications",
    .ntasks = 3,
    .task = { "share a frame between three VSpaces",
              "producers: badge bits, wait for space, put, signal data",
              "the consumer: wait, take what the bits name, signal space" },
    .check = { task1, task2, task3 },
    /* The reference solution needs about 300 ticks: a consumer that spins reaches the limit, 4000. */
    .time_limit = 4000,
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
