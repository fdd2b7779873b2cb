/*
 * The checker harness's own test (suite labs): a two-task "lab" whose wrong
 * variants do what no task may - fault, deadlock, spin, leak - so the tests
 * can hold the harness to its reports.
 */
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include <mica/user.h>
#include "lab.h"

static mica_cptr_t ep;

static void worker(mica_word_t arg)
{
    (void)arg;
    //@ solution 2
    mica_word_t badge;
    mica_recv(ep, &badge);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    //@ wrong fault 2
    volatile int *p = NULL;
    *p = 1;
    //@ wrong deadlock 2
    mica_word_t badge;
    mica_recv(ep, &badge);
    //@ wrong spin 2
    for (volatile int i = 1; i; )
        ;
    //@ wrong leak 2
    mica_word_t badge;
    mica_recv(ep, &badge);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    //@ end
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    static mica_env_t env;
    mica_env_init(&env, bi);
    lab_task(1);
    //@ solution 1
    printf("hello from task 1\n");
    //@ starter 1
    lab_todo(1, "say hello");
    //@ end
    /* Task 2's objects come from an untyped of their own, revoked at the end. */
    mica_cptr_t ut = mica_env_make(&env, MICA_UNTYPED_OBJECT, 16);
    env.untyped = ut;
    lab_usage("before");
    lab_task(2);
    ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t tcb = mica_thread_spawn(&env, "worker", worker, 0, 200);
    mica_call(ep, mica_msginfo_new(1, 0, 0, 0));
    (void)tcb;
    //@ solution 2
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, ut, MICA_WORD_BITS);
    //@ wrong leak 2
    mica_tcb_suspend(tcb);
    mica_cnode_delete(MICA_CAP_INIT_CNODE, ep, MICA_WORD_BITS);
    //@ end
    lab_usage("after");
    lab_fact("calls", 1);
}

LAB_MAIN(root)
