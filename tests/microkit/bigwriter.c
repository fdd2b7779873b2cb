/* Writes into both 2 MiB pages of its region (setvar_vaddr) and notifies channel 1. */
#include <stdint.h>
#include <string.h>
#include <microkit.h>

uintptr_t big;

void init(void)
{
    strcpy((char *)big, "start of the first 2 MiB page");
    strcpy((char *)big + 0x3ff000, "end of the second 2 MiB page");
    microkit_notify(1);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
