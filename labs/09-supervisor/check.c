/* The checker of lab 9 (supervisor): what each task must leave behind. */
#include <stdio.h>
#include <string.h>
#include <mica/types.h>
#include "check.h"

#define SERVER_BADGE 0x5e
#define CRASHES 3       /* 3 clients x 8 requests + 3 retries: the 7th, 14th and 21st crash */

/* Who still waited for the server when every thread blocked ("" if the run did not stick). */
static const char *stranded(const lab_run_t *r)
{
    static char who[64];
    who[0] = 0;
    if (lab_fact(r, "stuck", 0) != 1)
        return who;
    for (int id = 1; id <= 3; id++) {
        char k[32];
        snprintf(k, sizeof k, "waiting_%d", id);
        if (lab_fact(r, k, 0) == 1)
            snprintf(who + strlen(who), sizeof who - strlen(who), "%sclient%d", who[0] ? ", " : "", id);
    }
    return who;
}

static const char *task1(const lab_run_t *r)
{
    long long badge = lab_fact(r, "fault_badge", -1);
    if (badge < 0)
        return "the supervisor never received a fault: give the server fault_ep as its fault "
               "endpoint";
    if (lab_fact(r, "fault_kind", 0) != MICA_FAULT_USER_EXCEPTION)
        return "the supervisor received a fault that is not the server's crash";
    if (badge != SERVER_BADGE)
        return lab_why("the server's fault arrived with badge 0x%llx: give its fault endpoint "
                       "cap badge SERVER_BADGE (cfg.fault_badge), so the supervisor knows whose "
                       "fault it is", badge);
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    if (lab_fact(r, "saved_bad", 0) != 0)
        return "REPLY_SLOT of the server's CNode held no reply cap while it served a request: "
               "the server must mica_cnode_save_caller into it (and answer through it), or the "
               "reply cap dies with the server";
    return NULL;
}

static const char *task3(const lab_run_t *r)
{
    const char *who = stranded(r);
    long long crashes = lab_fact(r, "crashes", 0), told = lab_fact(r, "restarted_answers", 0);
    if (who[0] && crashes == 0)
        return "not reached: the supervisor handled no crash";
    if (who[0] && told < crashes)
        return lab_why("every thread blocked while %s still waited for the server: the client "
                       "whose request died with the server waits for ever - move its reply cap "
                       "out of the dead server's REPLY_SLOT before anything else and Send "
                       "RESTARTED through it", who);
    if (told != crashes)
        return lab_why("%lld crashes, but clients were told RESTARTED %lld times: answer each "
                       "stranded client once", crashes, told);
    if (lab_fact(r, "wrong_answers", 0) != 0)
        return "some squares came back wrong";
    return NULL;
}

static const char *task4(const lab_run_t *r)
{
    long long err = lab_fact(r, "build_error", 0);
    if (err)
        return lab_why("rebuilding the server in server_ut failed (%s): the old server's objects "
                       "still fill its slots and memory - revoke server_ut first",
                       err == MICA_DELETE_FIRST ? "DeleteFirst" :
                       err == MICA_NOT_ENOUGH_MEMORY ? "NotEnoughMemory" : "an error");
    if (lab_fact(r, "finished", 0) != 1)
        return "not reached: the clients did not finish";
    if (lab_fact(r, "crashes", 0) != CRASHES || lab_fact(r, "restarts", 0) != CRASHES)
        return lab_why("the server crashed %lld times and was restarted %lld times: expected %d "
                       "of each", lab_fact(r, "crashes", 0), lab_fact(r, "restarts", 0), CRASHES);
    char diff[200];
    if (!lab_usage_same(r, "baseline", "end", diff, sizeof diff))
        return lab_why("after %d restarts the system holds more than with the first server "
                       "(%s): a restarted server must be made from the memory of the dead one - "
                       "revoke server_ut and rebuild in it", CRASHES, diff);
    return NULL;
}

static const lab_spec_t spec = {
    .number = 9,
    .title = "supervisor",
    .ntasks = 4,
    .task = { "the server's fault endpoint, badged", "the server keeps each reply cap in its CNode",
              "answer the stranded client", "restart without a leak: revoke and rebuild" },
    .check = { task1, task2, task3, task4 },
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
