/* Writes a line into the shared region (setvar_vaddr) and notifies channel 1. */
#include <stdint.h>
#include <string.h>
#include <microkit.h>

uintptr_t shared;

void init(void)
{
    strcpy((char *)shared, "written by the writer\n");
    microkit_notify(1);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
