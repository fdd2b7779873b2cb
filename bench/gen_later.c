/* Placeholder until the L4 path is written (not landed). */
#include "ipc_generations.h"
int gen_l4_supports(unsigned bytes) { (void)bytes; return 0; }
void gen_l4_root(const mica_bootinfo_t *bi, void *out) { (void)bi; (void)out; }
