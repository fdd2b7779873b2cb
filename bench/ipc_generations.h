/*
 * ipc-generations: what the paths (gen_sel4.c, gen_l4.c, gen_mach.c) share
 * with the driver (ipc_generations.c).
 */
#ifndef MICA_BENCH_IPC_GENERATIONS_H
#define MICA_BENCH_IPC_GENERATIONS_H

#include <stdint.h>
#include <mica/mica.h>

#define GEN_MAX_BYTES 16384u    /* the largest message a path is asked to carry */

extern unsigned gen_size;       /* message bytes of the point being measured */

typedef void (*gen_rt_fn)(void *ctx);          /* one round trip, by the client */
typedef uint64_t (*gen_bytes_fn)(void);        /* bytes a personality copied so far */

/* Run by the client: warm up, time, count; fills the point `out` (the root's arg). */
void gen_measure(gen_rt_fn one_rt, void *ctx, gen_bytes_fn extra_bytes, void *out);

int gen_sel4_fast_supports(unsigned bytes);
void gen_sel4_fast_root(const mica_bootinfo_t *bi, void *out);
int gen_sel4_buf_supports(unsigned bytes);
void gen_sel4_buf_root(const mica_bootinfo_t *bi, void *out);
int gen_l4_supports(unsigned bytes);
void gen_l4_root(const mica_bootinfo_t *bi, void *out);
int gen_mach_supports(unsigned bytes);
void gen_mach_root(const mica_bootinfo_t *bi, void *out);

#endif
