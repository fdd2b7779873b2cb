/* A PD that says hello with its name from the system description. */
#include <microkit.h>

void init(void)
{
    microkit_dbg_puts("hello, world from ");
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts("\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
