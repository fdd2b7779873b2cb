/*
 * hello - the smallest mica system: print the boot info, retype an
 * endpoint and a notification out of untyped memory, and exit.
 */
#include <stdio.h>
#include <mica/mica.h>

static void root_task(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
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
    mica_cptr_t ut = bi->untyped.start, slot = bi->empty.start;
    mica_error_t err = mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                                           slot, 1);
    printf("retype an endpoint into slot %lu: %s\n", (unsigned long)slot, mica_error_name(err));
    printf("slot %lu now holds a %s cap\n", (unsigned long)slot,
           mica_cap_type_name(mica_debug_cap_identify(slot)));
    err = mica_cnode_mint(MICA_CAP_INIT_CNODE, slot + 1, MICA_WORD_BITS, MICA_CAP_INIT_CNODE, slot,
                          MICA_WORD_BITS, MICA_ALL_RIGHTS, 42);
    printf("mint a badged copy into slot %lu: %s\n", (unsigned long)(slot + 1), mica_error_name(err));
    err = mica_cnode_copy(MICA_CAP_INIT_CNODE, slot + 1, MICA_WORD_BITS, MICA_CAP_INIT_CNODE, slot,
                          MICA_WORD_BITS, MICA_ALL_RIGHTS);
    printf("copy onto the occupied slot: %s\n", mica_error_name(err));
    err = mica_cnode_revoke(MICA_CAP_INIT_CNODE, slot, MICA_WORD_BITS);
    printf("revoke the endpoint: %s; slot %lu is now %s\n", mica_error_name(err),
           (unsigned long)(slot + 1), mica_cap_type_name(mica_debug_cap_identify(slot + 1)));
}

int main(void)
{
    mica_config_t cfg;
    mica_run_result_t res;
    mica_config_init(&cfg);
    cfg.check = MICA_CHECK_EACH_ENTRY;
    if (mica_run(&cfg, root_task, NULL, &res) != 0)
        return 1;
    printf("system stopped: %s after %lu kernel entries\n", mica_stop_reason_name(res.reason),
           (unsigned long)res.kernel_entries);
    return res.reason == MICA_STOP_IDLE ? 0 : 1;
}
