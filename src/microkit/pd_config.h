/*
 * pd_config.h - what the loader (sim/microkit/) hands a PD's libmicrokit
 * at its entry: a pointer to one of these, in r0. Host memory owned by the
 * loader, read-only to the PD, alive for the whole run.
 */
#ifndef MICA_MICROKIT_PD_CONFIG_H
#define MICA_MICROKIT_PD_CONFIG_H

#include <stdint.h>

#define MK_PD_CONFIG_MAGIC 0x6d6963616d6b7064ull    /* "micamkpd" */

typedef struct mk_pd_setvar {
    uint64_t *var;              /* the variable in the PD's image (its own copy) */
    uint64_t vaddr;             /* the mapping's vaddr in the PD's VSpace */
} mk_pd_setvar_t;

typedef struct mk_pd_child {
    uint64_t entry;             /* the child's entry (__mica_microkit_main of its image) */
    uint64_t config;            /* its mk_pd_config_t, r0 at that entry */
    uint64_t stack_top;         /* its sp at that entry */
} mk_pd_child_t;

typedef struct mk_pd_config {
    uint64_t magic;             /* MK_PD_CONFIG_MAGIC */
    uint64_t has_endpoint;      /* the input cap is an endpoint (else the notification) */
    uint64_t children;          /* bit id set for each child id */
    const mk_pd_setvar_t *setvars;
    uint64_t nsetvars;
    mk_pd_child_t child[64];    /* by child id */
} mk_pd_config_t;

#endif
