/*
 * microkit/loader.h - running a checked Microkit system description:
 * load its program images (host side), then build and start its PDs from
 * a root task (task side).
 *
 *     mk_loaded_t *l;
 *     if (mk_load(sys, &l, err, sizeof err) == 0) {
 *         mica_run(&cfg, mk_root_task, l, &result);
 *         if (mk_failed(l)) ... mk_error(l) ...
 *         mk_unload(l);
 *     }
 */
#ifndef MICA_MICROKIT_LOADER_H
#define MICA_MICROKIT_LOADER_H

#include <stddef.h>
#include <mica/mica.h>
#include "sdf.h"

typedef struct mk_loaded mk_loaded_t;

/*
 * Copy each PD's program image into a private temporary directory (as
 * <pd>.so) and dlopen the copy, so every PD has its own globals; find its
 * entry, init, microkit_name and setvar_vaddr variables; check each map's
 * vaddr. 0, or -1 with err holding one line "path:line: message" (nothing
 * left loaded). sys must outlive *out.
 */
int mk_load(const mk_system_t *sys, mk_loaded_t **out, char *err, size_t errlen);

/* The root task: builds every PD as the description says and starts them. arg: mk_loaded_t. */
void mk_root_task(const mica_bootinfo_t *bi, void *arg);

/*
 * For the deadlock report (sim_set_cap_namer, with arg = the loaded
 * system): a PD's cap at cptr in words, "a PPC on channel 3 to server".
 */
size_t mk_cap_note(void *arg, const char *thread, uint64_t cptr, char *buf, size_t n);

/* Whether building the system failed in the root task, and why (one line). */
int mk_failed(const mk_loaded_t *l);
const char *mk_error(const mk_loaded_t *l);

/* dlclose the images and remove the temporary directory. */
void mk_unload(mk_loaded_t *l);

#endif
