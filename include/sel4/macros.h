/* sel4/macros.h - part of libsel4's API, which <sel4/sel4.h> gives whole on mica. */
#include <sel4/sel4.h>
