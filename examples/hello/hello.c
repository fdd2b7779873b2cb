/*
 * hello - the smallest mica system: print the boot info, retype an
 * endpoint out of untyped memory, mint and revoke a cap, and start a
 * thread that prints and signals back.
 *
 *   build/examples/hello [options]      or      mica run hello [options]
 */
#include <stdio.h>
#include <mica/mica.h>
#include "../examples.h"

/* The thread's code: an ordinary C function, called with the spawner's argument. */
static void greeter(mica_word_t done)
{
    printf("hello from thread 'greeter'\n");
    mica_signal(done);      /* tell the root task we are done */
}

void example_hello_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);

    printf("hello from the root task\n");
    printf("root CNode: 2^%lu slots, empty slots %lu..%lu\n",
           (unsigned long)bi->init_cnode_size_bits, (unsigned long)bi->empty.start,
           (unsigned long)bi->empty.end - 1);
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        printf("untyped cap %3lu: paddr 0x%08lx, 2^%-2u bytes%s\n",
               (unsigned long)(bi->untyped.start + i), (unsigned long)u->paddr, u->size_bits,
               u->is_device ? " (device)" : "");
    }

    /* Capabilities by hand: retype, mint a badged copy, copy onto it, revoke. */
    mica_cptr_t ut = bi->untyped.start, slot = mica_env_slot(&env), copy = mica_env_slot(&env);
    mica_error_t err = mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                                           slot, 1);
    printf("retype an endpoint into slot %lu: %s\n", (unsigned long)slot, mica_error_name(err));
    printf("slot %lu now holds a cap of type %s\n", (unsigned long)slot,
           mica_cap_type_name(mica_debug_cap_identify(slot)));
    err = mica_cnode_mint(MICA_CAP_INIT_CNODE, copy, MICA_WORD_BITS, MICA_CAP_INIT_CNODE, slot,
                          MICA_WORD_BITS, MICA_ALL_RIGHTS, 42);
    printf("mint a badged copy into slot %lu: %s\n", (unsigned long)copy, mica_error_name(err));
    err = mica_cnode_copy(MICA_CAP_INIT_CNODE, copy, MICA_WORD_BITS, MICA_CAP_INIT_CNODE, slot,
                          MICA_WORD_BITS, MICA_ALL_RIGHTS);
    printf("copy onto the occupied slot: %s\n", mica_error_name(err));
    err = mica_cnode_revoke(MICA_CAP_INIT_CNODE, slot, MICA_WORD_BITS);
    printf("revoke the endpoint: %s; slot %lu is now %s\n", mica_error_name(err),
           (unsigned long)copy, mica_cap_type_name(mica_debug_cap_identify(copy)));

    /*
     * A thread of our own, in our CSpace and VSpace. The root task runs at
     * priority 255, so the greeter (100) runs only once we block in Wait.
     */
    mica_cptr_t done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t tcb = mica_thread_spawn(&env, "greeter", greeter, done, 100);
    if (!done || !tcb) {
        printf("could not start the greeter: %s\n", mica_error_name(env.error));
        return;
    }
    printf("started thread 'greeter' (TCB cap in slot %lu) at priority 100\n", (unsigned long)tcb);
    mica_word_t badge;
    mica_wait(done, &badge);
    printf("the greeter signalled; the root task returns and the system goes idle\n");
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_hello_root, NULL);
}
#endif
