/*
 * microkit/sdf.h - a Microkit system description (SDF), as parsed and
 * checked by sdf.c. Host-side data (malloc'd), never seen by the kernel.
 * Every element remembers its line, for `file:line: message` errors
 * raised later (e.g. by the loader: an image without init).
 */
#ifndef MICA_MICROKIT_SDF_H
#define MICA_MICROKIT_SDF_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define MK_NAME_MAX      64     /* PD and MR names, with the NUL (libmicrokit's microkit_name) */
/*
 * Channel and IRQ ids 0..61 per PD, as Microkit allows: a PD's badges keep
 * bit 63 for PPCs and bit 62 for its children's faults, and a notification
 * on channel id 62 would read as a fault.
 */
#define MK_MAX_CHANNELS  62
#define MK_MAX_PDS       63
#define MK_MAX_CHILD_ID  63     /* child PD ids 0..62 */
#define MK_PRIO_MAX      254

enum { MK_PERM_R = 1, MK_PERM_W = 2, MK_PERM_X = 4 };

typedef struct mk_mr {
    char name[MK_NAME_MAX];
    uint64_t size;              /* bytes, a multiple of page_size */
    uint64_t page_size;         /* 0x1000 or 0x200000 */
    uint64_t phys_addr;         /* valid when has_phys (device memory) */
    bool has_phys;
    int line;
} mk_mr_t;

typedef struct mk_map {
    int mr;                     /* index into mk_system_t.mrs */
    uint64_t vaddr;             /* aligned to the MR's page size */
    unsigned perms;             /* MK_PERM_* ("rw" when absent) */
    bool cached;                /* default true */
    char setvar_vaddr[MK_NAME_MAX]; /* "" when absent */
    int line;
} mk_map_t;

typedef struct mk_irq {
    unsigned irq;               /* the machine's IRQ number */
    unsigned id;                /* the PD's channel id for it (0..61) */
    bool edge;                  /* trigger="edge"; level-triggered when absent */
    int line;
} mk_irq_t;

typedef struct mk_setvar {      /* <setvar symbol= region_paddr=>: the MR's physical address */
    char symbol[MK_NAME_MAX];
    int mr;
    int line;
} mk_setvar_t;

typedef struct mk_pd {
    char name[MK_NAME_MAX];
    unsigned priority;          /* 0..254, default 0 */
    bool passive;               /* passive="true" (MCS; see docs for what mica does) */
    bool pp_legacy;             /* pp="true" on the PD itself (older descriptions) */
    uint64_t budget, period;    /* parsed and checked, 0 when absent */
    uint64_t stack_size;        /* 0x1000..16 MiB, page multiple; default 0x2000 as Microkit's */
    unsigned cpu;               /* cpu="N" (0..255, default 0): accepted, placement is the loader's */
    char program_image[4096];   /* path as written, resolved against the SDF's directory */
    int parent;                 /* index of the parent PD, -1 for top level */
    unsigned child_id;          /* its id in the parent (valid when parent >= 0) */
    mk_map_t *maps;     size_t nmaps;
    mk_irq_t *irqs;     size_t nirqs;
    mk_setvar_t *setvars; size_t nsetvars;
    int line;
} mk_pd_t;

typedef struct mk_end {
    int pd;                     /* index into mk_system_t.pds */
    unsigned id;                /* channel id in that PD, 0..61 */
    bool pp;                    /* this end may PPC the other: pp="true" on the end, or
                                   pp="true" on the other end's PD (older descriptions) */
    bool notify;                /* this end may notify the other (default true) */
    int line;
} mk_end_t;

typedef struct mk_channel {
    mk_end_t end[2];
    int line;
} mk_channel_t;

typedef struct mk_system {
    char path[4096];            /* the SDF as named on the command line */
    char dir[4096];             /* its directory: program_image paths are relative to it */
    mk_mr_t *mrs;           size_t nmrs;
    mk_pd_t *pds;           size_t npds;   /* parents before their children */
    mk_channel_t *channels; size_t nchannels;
} mk_system_t;

/*
 * Parse and check the description at path. 0 and *out on success (free
 * with mk_sdf_free); -1 with err holding one line, "path:line: message",
 * on any error (malformed XML, unknown element or attribute, a rule of
 * Microkit's broken). Does not open program images (the loader
 * does, and reports a missing one at the PD's line).
 */
int  mk_sdf_load(const char *path, mk_system_t **out, char *err, size_t errlen);
void mk_sdf_free(mk_system_t *s);

#endif
