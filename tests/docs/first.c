/* first.c - a root task, a thread, and one Call through a badged endpoint. */
#include <stdio.h>
#include <mica/mica.h>

static mica_cptr_t ep;

/* A thread is an ordinary C function. This one answers one request. */
static void doubler(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_recv(ep, &badge);                          /* wait for a message */
    mica_word_t x = mica_get_mr(0);
    printf("doubler: got %lu from badge %lu\n", (unsigned long)x, (unsigned long)badge);
    mica_set_mr(0, 2 * x);
    mica_reply(mica_msginfo_new(0, 0, 0, 1));       /* label 0, one word */
}

/* The root task: at boot it holds every capability there is. */
static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;                                 /* hands out slots and memory */
    mica_env_init(&env, bi);
    ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t badged = mica_env_mint(&env, ep, MICA_ALL_RIGHTS, 7);
    mica_thread_spawn(&env, "doubler", doubler, 0, 100);

    mica_word_t x = 21, y = 0;
    mica_call_words(badged, 0, &x, 1, &y, 1);       /* send x, wait for the reply */
    printf("root: 21 doubled is %lu\n", (unsigned long)y);
}

int main(int argc, char **argv)
{
    return mica_main(argc, argv, root, NULL);
}
