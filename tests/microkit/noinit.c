/* A program image without init. */
#include <microkit.h>

void notified(microkit_channel ch)
{
    (void)ch;
}
