/* The harness's own test: task 2 must leave nothing behind. */
#include "check.h"

static const char *task1(const lab_run_t *r)
{
    return lab_said(r, "hello from task 1\n") ? NULL : "task 1 did not say hello";
}

static const char *task2(const lab_run_t *r)
{
    char diff[200];
    if (lab_fact(r, "calls", 0) != 1)
        return "no call was made";
    if (lab_stat(r, "Call") < 1)
        return lab_why("--stats shows %lld Calls", lab_stat(r, "Call"));
    if (!lab_usage_same(r, "before", "after", diff, sizeof diff))
        return lab_why("task 2 left something behind (%s)", diff);
    return NULL;
}

static const lab_spec_t spec = {
    .number = 0,
    .title = "the harness's own test",
    .ntasks = 2,
    .task = { "say hello", "call a worker, then remove it" },
    .check = { task1, task2 },
    .time_limit = 20000,
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
