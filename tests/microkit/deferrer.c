/*
 * Deferred notifies: one from init on channel 1; two from notified() (on
 * 1, then 2: only the last one stays pending); none on the next
 * notification, when nothing may be sent again.
 */
#include <microkit.h>

static int calls;

void init(void)
{
    microkit_deferred_notify(1);
    microkit_dbg_puts("deferrer: init deferred a notify on 1\n");
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("deferrer: notified on ");
    microkit_dbg_put32(ch);
    if (calls++ == 0) {
        microkit_deferred_notify(1);
        microkit_deferred_notify(2);
        microkit_dbg_puts(", deferred 1 then 2\n");
    } else {
        microkit_dbg_puts(", nothing deferred\n");
    }
}
