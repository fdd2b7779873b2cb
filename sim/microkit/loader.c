/*
 * loader.c - run a Microkit system description on mica (loader.h).
 *
 * Host side, before the run: each PD's program image is copied to a
 * private temporary directory and dlopen'ed from there. dlopen shares a
 * file opened twice; distinct copies (distinct inodes) give every PD its
 * own data and bss - its own globals - even when PDs run the same image.
 *
 * Task side, the root task: every PD becomes a mica process (its own
 * CSpace, VSpace and TCB) holding exactly the caps its channels, IRQs,
 * children and maps grant, laid out as <microkit.h> says; then all start
 * at libmicrokit's entry with their mk_pd_config_t. The root task runs at
 * the top priority, above every PD, so no PD runs before all are built.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mica/mica.h>
#include "loader.h"
#include "../../src/microkit/pd_config.h"

#define PAGE (1ul << MICA_PAGE_BITS)
#define BADGE_PPC   (1ull << 63)
#define BADGE_FAULT (1ull << 62)
#define FAULT_EP_CAP     4
#define INPUT_CAP        8
#define BASE_NOTIFY_CAP  16
#define BASE_PPC_CAP     80
#define BASE_IRQ_CAP     144
#define BASE_TCB_CAP     208
#define MAX_STACK_PAGES  250

typedef struct mk_loaded_pd {
    void *handle;
    char copy[4200];            /* the private copy dlopen'ed */
    mica_entry_fn entry;        /* __mica_microkit_main */
    mk_pd_config_t cfg;         /* handed to the PD in r0 */
    mk_pd_setvar_t *setvars;    /* one per map with setvar_vaddr */
    uint64_t **region_paddr;    /* <setvar region_paddr>: the variables, by setvar index */
    int needs_endpoint;
    unsigned stack_pages;
    /* the root task's caps */
    mica_process_t proc;
    mica_cptr_t ntfn, ep;
} mk_loaded_pd_t;

struct mk_loaded {
    const mk_system_t *sys;
    char tmpdir[4096];
    mk_loaded_pd_t *pds;
    mica_cptr_t *mr_frames;     /* first frame cap of each MR, in the root's CSpace */
    int failed;
    char err[512];
};

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Copy the file at from to to; 0, or an errno value. */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    if (out < 0) {
        int e = errno;
        close(in);
        return e;
    }
    char buf[65536];
    int e = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r < 0)
                e = errno;
            break;
        }
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                e = errno;
                break;
            }
            off += w;
        }
        if (e)
            break;
    }
    close(in);
    if (close(out) && !e)
        e = errno;
    return e;
}

/* The image's path: the parser has resolved it against the description's directory. */
static void image_path(const mk_system_t *sys, const mk_pd_t *pd, char *out, size_t n)
{
    (void)sys;
    snprintf(out, n, "%s", pd->program_image);
}

/* dlerror's text without the private copy's path in front of it. */
static const char *dl_reason(const char *copy)
{
    const char *e = dlerror();
    if (!e)
        return "unknown error";
    size_t n = strlen(copy);
    if (strncmp(e, copy, n) == 0 && strncmp(e + n, ": ", 2) == 0)
        return e + n + 2;
    return e;
}

static int load_pd(mk_loaded_t *l, size_t i, char *err, size_t errlen)
{
    const mk_system_t *sys = l->sys;
    const mk_pd_t *pd = &sys->pds[i];
    mk_loaded_pd_t *lp = &l->pds[i];
    char path[8200];
    image_path(sys, pd, path, sizeof path);
    snprintf(lp->copy, sizeof lp->copy, "%s/%s.so", l->tmpdir, pd->name);
    int e = copy_file(path, lp->copy);
    if (e) {
        unlink(lp->copy);
        lp->copy[0] = 0;
        return fail(err, errlen, "%s:%d: program image '%s' cannot be read: %s", sys->path,
                    pd->line, pd->program_image, strerror(e));
    }
    lp->handle = dlopen(lp->copy, RTLD_NOW | RTLD_LOCAL);
    if (!lp->handle) {
        /* libmicrokit calls init and notified: without them the image does not link. */
        const char *why = dl_reason(lp->copy);
        for (const char *const *f = (const char *const[]){ "init", "notified", NULL }; *f; f++) {
            const char *u = strstr(why, "undefined symbol: ");
            if (u && strcmp(u + strlen("undefined symbol: "), *f) == 0)
                return fail(err, errlen, "%s:%d: program image '%s' has no %s", sys->path,
                            pd->line, pd->program_image, *f);
        }
        return fail(err, errlen, "%s:%d: program image '%s' is not a loadable shared object: %s",
                    sys->path, pd->line, pd->program_image, why);
    }
    if (!dlsym(lp->handle, "init"))
        return fail(err, errlen, "%s:%d: program image '%s' has no init", sys->path, pd->line,
                    pd->program_image);
    void *entry = dlsym(lp->handle, "__mica_microkit_main");
    char *name = dlsym(lp->handle, "microkit_name");
    if (!entry || !name)
        return fail(err, errlen, "%s:%d: program image '%s' is not linked with libmicrokit "
                    "(no __mica_microkit_main)", sys->path, pd->line, pd->program_image);
    lp->entry = (mica_entry_fn)entry;
    snprintf(name, MK_NAME_MAX, "%s", pd->name);

    /* Its maps: inside the VSpace, clear of the IPC buffer and stack; their variables. */
    size_t nvars = 0;
    for (size_t m = 0; m < pd->nmaps; m++)
        nvars += pd->maps[m].setvar_vaddr[0] != 0;
    lp->setvars = calloc(nvars ? nvars : 1, sizeof *lp->setvars);
    lp->region_paddr = calloc(pd->nsetvars ? pd->nsetvars : 1, sizeof *lp->region_paddr);
    if (!lp->setvars || !lp->region_paddr)
        return fail(err, errlen, "%s: out of memory", sys->path);
    for (size_t m = 0; m < pd->nmaps; m++) {
        const mk_map_t *map = &pd->maps[m];
        const mk_mr_t *mr = &sys->mrs[map->mr];
        if (map->vaddr < MICA_PROCESS_STACK_TOP)
            return fail(err, errlen, "%s:%d: map of '%s' at 0x%llx: below 0x%lx, where mica keeps "
                        "the PD's IPC buffer and stack", sys->path, map->line, mr->name,
                        (unsigned long long)map->vaddr, MICA_PROCESS_STACK_TOP);
        if (map->vaddr + mr->size > (1ull << MICA_VADDR_BITS) || map->vaddr + mr->size < map->vaddr)
            return fail(err, errlen, "%s:%d: map of '%s' at 0x%llx: ends above mica's %d-bit "
                        "virtual addresses", sys->path, map->line, mr->name,
                        (unsigned long long)map->vaddr, MICA_VADDR_BITS);
        if (!map->setvar_vaddr[0])
            continue;
        uint64_t *var = dlsym(lp->handle, map->setvar_vaddr);
        if (!var)
            return fail(err, errlen, "%s:%d: program image '%s' has no variable '%s' for "
                        "setvar_vaddr", sys->path, map->line, pd->program_image, map->setvar_vaddr);
        lp->setvars[lp->cfg.nsetvars].var = var;
        lp->setvars[lp->cfg.nsetvars].vaddr = map->vaddr;
        lp->cfg.nsetvars++;
    }
    for (size_t s = 0; s < pd->nsetvars; s++) {
        const mk_setvar_t *sv = &pd->setvars[s];
        if (!(lp->region_paddr[s] = dlsym(lp->handle, sv->symbol)))
            return fail(err, errlen, "%s:%d: program image '%s' has no variable '%s' for setvar",
                        sys->path, sv->line, pd->program_image, sv->symbol);
    }
    lp->cfg.magic = MK_PD_CONFIG_MAGIC;
    lp->cfg.setvars = lp->setvars;
    uint64_t pages = (pd->stack_size + PAGE - 1) / PAGE;
    lp->stack_pages = pages < MICA_PROCESS_DEFAULT_STACK_PAGES ? MICA_PROCESS_DEFAULT_STACK_PAGES
                    : pages > MAX_STACK_PAGES ? MAX_STACK_PAGES : (unsigned)pages;
    return 0;
}

int mk_load(const mk_system_t *sys, mk_loaded_t **out, char *err, size_t errlen)
{
    mk_loaded_t *l = calloc(1, sizeof *l);
    if (!l)
        return fail(err, errlen, "%s: out of memory", sys->path);
    l->sys = sys;
    l->pds = calloc(sys->npds ? sys->npds : 1, sizeof *l->pds);
    l->mr_frames = calloc(sys->nmrs ? sys->nmrs : 1, sizeof *l->mr_frames);
    const char *tmp = getenv("TMPDIR");
    snprintf(l->tmpdir, sizeof l->tmpdir, "%s/mica-microkit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!l->pds || !l->mr_frames || !mkdtemp(l->tmpdir)) {
        int e = errno;
        l->tmpdir[0] = 0;
        mk_unload(l);
        return fail(err, errlen, "%s: cannot make a directory for the program images: %s",
                    sys->path, strerror(e));
    }
    for (size_t i = 0; i < sys->npds; i++) {
        if (load_pd(l, i, err, errlen)) {
            mk_unload(l);
            return -1;
        }
    }
    /* Who receives on an endpoint: a PD that serves PPCs or has children. */
    for (size_t c = 0; c < sys->nchannels; c++)
        for (int k = 0; k < 2; k++)
            if (sys->channels[c].end[k].pp)
                l->pds[sys->channels[c].end[1 - k].pd].needs_endpoint = 1;
    for (size_t i = 0; i < sys->npds; i++) {
        const mk_pd_t *pd = &sys->pds[i];
        if (pd->parent < 0)
            continue;
        mk_loaded_pd_t *parent = &l->pds[pd->parent];
        parent->needs_endpoint = 1;
        parent->cfg.children |= 1ull << pd->child_id;
        parent->cfg.child[pd->child_id].entry = (uint64_t)(uintptr_t)l->pds[i].entry;
        parent->cfg.child[pd->child_id].config = (uint64_t)(uintptr_t)&l->pds[i].cfg;
        parent->cfg.child[pd->child_id].stack_top = MICA_PROCESS_STACK_TOP;
    }
    for (size_t i = 0; i < sys->npds; i++)
        l->pds[i].cfg.has_endpoint = (uint64_t)l->pds[i].needs_endpoint;
    *out = l;
    return 0;
}

int mk_failed(const mk_loaded_t *l)
{
    return l->failed;
}

const char *mk_error(const mk_loaded_t *l)
{
    return l->err;
}

void mk_unload(mk_loaded_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; l->pds && i < l->sys->npds; i++) {
        mk_loaded_pd_t *lp = &l->pds[i];
        if (lp->handle)
            dlclose(lp->handle);
        if (lp->copy[0])
            unlink(lp->copy);
        free(lp->setvars);
        free(lp->region_paddr);
    }
    if (l->tmpdir[0])
        rmdir(l->tmpdir);
    free(l->pds);
    free(l->mr_frames);
    free(l);
}

/*
 * The deadlock report's names for a PD's caps (sim_set_cap_namer): the
 * thread of a PD is named after it, and its slots follow <microkit.h>;
 * channel caps are named after the PD at the channel's other end.
 */
size_t mk_cap_note(void *arg, const char *thread, uint64_t cptr, char *buf, size_t n)
{
    const mk_loaded_t *l = arg;
    const mk_system_t *sys = l->sys;
    size_t pd = 0;
    while (pd < sys->npds && strcmp(sys->pds[pd].name, thread) != 0)
        pd++;
    if (pd == sys->npds)
        return 0;
    int k;
    if (cptr == INPUT_CAP)
        k = snprintf(buf, n, "the input %s of %s",
                     l->pds[pd].needs_endpoint ? "endpoint" : "notification", thread);
    else if (cptr >= BASE_NOTIFY_CAP && cptr < BASE_NOTIFY_CAP + MK_MAX_CHANNELS) {
        k = 0;
        for (size_t c = 0; c < sys->nchannels && !k; c++)
            for (int e = 0; e < 2 && !k; e++)
                if (sys->channels[c].end[e].pd == (int)pd &&
                    sys->channels[c].end[e].id == cptr - BASE_NOTIFY_CAP)
                    k = snprintf(buf, n, "the notification of %s (channel %u)",
                                 sys->pds[sys->channels[c].end[1 - e].pd].name,
                                 (unsigned)(cptr - BASE_NOTIFY_CAP));
    } else if (cptr >= BASE_PPC_CAP && cptr < BASE_PPC_CAP + MK_MAX_CHANNELS) {
        k = 0;
        for (size_t c = 0; c < sys->nchannels && !k; c++)
            for (int e = 0; e < 2 && !k; e++)
                if (sys->channels[c].end[e].pd == (int)pd &&
                    sys->channels[c].end[e].id == cptr - BASE_PPC_CAP)
                    k = snprintf(buf, n, "a PPC on channel %u to %s",
                                 (unsigned)(cptr - BASE_PPC_CAP),
                                 sys->pds[sys->channels[c].end[1 - e].pd].name);
    } else if (cptr == FAULT_EP_CAP && sys->pds[pd].parent >= 0)
        k = snprintf(buf, n, "the fault endpoint of its parent %s",
                     sys->pds[sys->pds[pd].parent].name);
    else
        k = 0;
    return k > 0 ? (size_t)k < n ? (size_t)k : n - 1 : 0;
}

/* --- the root task -------------------------------------------------------------------- */

/* Stop building: remember why (one line) and end the run; no PD has started. */
static void build_failed(mk_loaded_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void build_failed(mk_loaded_t *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err, sizeof l->err, fmt, ap);
    va_end(ap);
    l->failed = 1;
    mica_debug_halt();
}

/* Put cap (root's CSpace) with rights and badge into slot of the PD's CSpace. */
static int give_at(mk_loaded_t *l, size_t pd, mica_word_t slot, mica_cptr_t cap,
                   mica_cap_rights_t rights, mica_word_t badge, const char *what, int line)
{
    mica_process_t *p = &l->pds[pd].proc;
    p->next_slot = slot;
    mica_process_error_t why;
    if (mica_process_give_ex(p, cap, rights, badge, &why))
        return 0;
    build_failed(l, "%s:%d: giving PD '%s' %s: %s", l->sys->path, line, l->sys->pds[pd].name,
                 what, why.text);
    return -1;
}

/* The device untyped covering [paddr, paddr + size), or -1. */
static int device_untyped(const mica_bootinfo_t *bi, uint64_t paddr, uint64_t size)
{
    mica_word_t n = bi->untyped.end - bi->untyped.start;
    for (mica_word_t i = 0; i < n; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (u->is_device && paddr >= u->paddr && paddr + size <= u->paddr + (1ull << u->size_bits))
            return (int)i;
    }
    return -1;
}

/* Every MR's frames, once: n consecutive caps of its page size (device memory at its address). */
static int make_regions(mk_loaded_t *l, mica_env_t *env, const mica_bootinfo_t *bi)
{
    static mica_word_t device_used[MICA_MAX_BOOTINFO_UNTYPED_CAPS];
    memset(device_used, 0, sizeof device_used);
    const mk_system_t *sys = l->sys;
    for (size_t m = 0; m < sys->nmrs; m++) {
        const mk_mr_t *mr = &sys->mrs[m];
        mica_word_t type = mr->page_size == (1ul << MICA_LARGE_PAGE_BITS)
            ? MICA_LARGE_FRAME_OBJECT : MICA_FRAME_OBJECT;
        mica_word_t n = mr->size / mr->page_size;
        if (!mr->has_phys) {
            if (!(l->mr_frames[m] = mica_env_make_n(env, type, 0, n))) {
                build_failed(l, "%s:%d: memory region '%s': %s", sys->path, mr->line, mr->name,
                             mica_env_error_text(env));
                return -1;
            }
            continue;
        }
        int u = device_untyped(bi, mr->phys_addr, mr->size);
        mica_word_t base = u < 0 ? 0 : bi->untyped_list[u].paddr + device_used[u];
        if (u < 0 || mr->phys_addr < base) {
            build_failed(l, "%s:%d: memory region '%s': phys_addr 0x%llx is not free device memory "
                         "of this machine", sys->path, mr->line, mr->name,
                         (unsigned long long)mr->phys_addr);
            return -1;
        }
        mica_cptr_t ut = bi->untyped.start + (mica_word_t)u;
        /* Untyped_Retype carves from the untyped's start up: skip to phys_addr with 4 KiB frames. */
        mica_word_t skip = (mr->phys_addr - base) / PAGE;
        mica_cptr_t first = skip ? mica_env_slots(env, skip) : 0;
        mica_cptr_t frames = mica_env_slots(env, n);
        mica_error_t err = (skip && !first) || !frames ? MICA_RANGE_ERROR : MICA_NO_ERROR;
        if (err == MICA_NO_ERROR && skip)
            err = mica_untyped_retype(ut, MICA_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, first,
                                      skip);
        if (err == MICA_NO_ERROR)
            err = mica_untyped_retype(ut, type, 0, MICA_CAP_INIT_CNODE, 0, 0, frames, n);
        if (err != MICA_NO_ERROR) {
            build_failed(l, "%s:%d: memory region '%s': device frames at 0x%llx: %s", sys->path,
                         mr->line, mr->name, (unsigned long long)mr->phys_addr,
                         mica_error_name(err));
            return -1;
        }
        device_used[u] = mr->phys_addr + mr->size - bi->untyped_list[u].paddr;
        l->mr_frames[m] = frames;
    }
    return 0;
}

/* Map every page of map's MR into the PD's VSpace (a copy of each frame cap per mapping). */
static int map_region(mk_loaded_t *l, mica_env_t *env, size_t pd, const mk_map_t *map)
{
    const mk_mr_t *mr = &l->sys->mrs[map->mr];
    mica_cap_rights_t rights = (map->perms & MK_PERM_W) ? MICA_READ_WRITE : MICA_CAN_READ;
    mica_word_t n = mr->size / mr->page_size;
    for (mica_word_t i = 0; i < n; i++) {
        mica_cptr_t copy = mica_env_slot(env);
        mica_error_t err = copy ? mica_cnode_copy(MICA_CAP_INIT_CNODE, copy, MICA_WORD_BITS,
                                                  MICA_CAP_INIT_CNODE, l->mr_frames[map->mr] + i,
                                                  MICA_WORD_BITS, MICA_ALL_RIGHTS)
                                : env->error;
        if (err == MICA_NO_ERROR)
            err = mica_user_map(env, l->pds[pd].proc.vspace, map->vaddr + i * mr->page_size, copy,
                                rights);
        if (err != MICA_NO_ERROR) {
            build_failed(l, "%s:%d: mapping '%s' into PD '%s' at 0x%llx: %s", l->sys->path,
                         map->line, mr->name, l->sys->pds[pd].name,
                         (unsigned long long)(map->vaddr + i * mr->page_size),
                         mica_env_error_text(env)[0] ? mica_env_error_text(env)
                                                     : mica_error_name(err));
            return -1;
        }
    }
    return 0;
}

static int build(mk_loaded_t *l, mica_env_t *env, const mica_bootinfo_t *bi)
{
    const mk_system_t *sys = l->sys;
    /* Every PD's notification, and endpoint when it needs one. */
    for (size_t i = 0; i < sys->npds; i++) {
        mk_loaded_pd_t *lp = &l->pds[i];
        if (!(lp->ntfn = mica_env_make(env, MICA_NOTIFICATION_OBJECT, 0)) ||
            (lp->needs_endpoint && !(lp->ep = mica_env_make(env, MICA_ENDPOINT_OBJECT, 0)))) {
            build_failed(l, "%s:%d: PD '%s': %s", sys->path, sys->pds[i].line, sys->pds[i].name,
                         mica_env_error_text(env));
            return -1;
        }
    }
    /* The processes: parents come first, so a child's fault endpoint exists. */
    for (size_t i = 0; i < sys->npds; i++) {
        const mk_pd_t *pd = &sys->pds[i];
        mk_loaded_pd_t *lp = &l->pds[i];
        mica_process_config_t cfg = {
            .name = pd->name,
            .prio = pd->priority,
            .stack_pages = lp->stack_pages,
            .fault_ep = pd->parent >= 0 ? l->pds[pd->parent].ep : 0,
            .fault_badge = pd->parent >= 0 ? BADGE_FAULT | pd->child_id : 0,
        };
        mica_error_t err = mica_process_create(env, &cfg, &lp->proc);
        if (err != MICA_NO_ERROR) {
            build_failed(l, "%s:%d: PD '%s': %s", sys->path, pd->line, pd->name,
                         mica_env_error_text(env));
            return -1;
        }
        if (give_at(l, i, INPUT_CAP, lp->needs_endpoint ? lp->ep : lp->ntfn, MICA_ALL_RIGHTS, 0,
                    "its input cap", pd->line))
            return -1;
        if (lp->needs_endpoint && (err = mica_tcb_bind_notification(lp->proc.tcb, lp->ntfn))) {
            build_failed(l, "%s:%d: PD '%s': binding its notification: %s", sys->path, pd->line,
                         pd->name, mica_error_name(err));
            return -1;
        }
    }
    /* Channels: each end gets the other end's notification and, with pp, its endpoint. */
    for (size_t c = 0; c < sys->nchannels; c++) {
        const mk_channel_t *ch = &sys->channels[c];
        for (int k = 0; k < 2; k++) {
            const mk_end_t *a = &ch->end[k], *b = &ch->end[1 - k];
            /* A channel grants signalling the other end, and calling it with pp - no more. */
            if (a->notify && give_at(l, (size_t)a->pd, BASE_NOTIFY_CAP + a->id,
                                     l->pds[b->pd].ntfn, MICA_CAN_WRITE, 1ull << b->id,
                                     "a channel's notification", ch->line))
                return -1;
            if (a->pp && give_at(l, (size_t)a->pd, BASE_PPC_CAP + a->id, l->pds[b->pd].ep,
                                 MICA_RIGHTS_CLIENT, BADGE_PPC | b->id, "a channel's endpoint",
                                 ch->line))
                return -1;
        }
    }
    /* IRQs: a handler signalling the PD's notification with the irq's bit. */
    for (size_t i = 0; i < sys->npds; i++) {
        const mk_pd_t *pd = &sys->pds[i];
        for (size_t q = 0; q < pd->nirqs; q++) {
            const mk_irq_t *irq = &pd->irqs[q];
            mica_cptr_t handler = mica_env_slot(env);
            mica_cptr_t badged = handler ? mica_env_mint(env, l->pds[i].ntfn, MICA_ALL_RIGHTS,
                                                         1ull << irq->id) : 0;
            mica_error_t err = badged ? mica_irq_control_get(MICA_CAP_IRQ_CONTROL, irq->irq,
                                                             MICA_CAP_INIT_CNODE, handler,
                                                             MICA_WORD_BITS)
                                      : env->error;
            if (err == MICA_NO_ERROR)
                err = mica_irq_handler_set_notification(handler, badged);
            if (err != MICA_NO_ERROR) {
                build_failed(l, "%s:%d: PD '%s': irq %u: %s", sys->path, irq->line, pd->name,
                             irq->irq, mica_error_name(err));
                return -1;
            }
            if (give_at(l, i, BASE_IRQ_CAP + irq->id, handler, MICA_ALL_RIGHTS, 0, "an IRQ handler",
                        irq->line))
                return -1;
        }
    }
    /* Children: the parent holds each child's TCB. */
    for (size_t i = 0; i < sys->npds; i++) {
        const mk_pd_t *pd = &sys->pds[i];
        if (pd->parent >= 0 && give_at(l, (size_t)pd->parent, BASE_TCB_CAP + pd->child_id,
                                       l->pds[i].proc.tcb, MICA_ALL_RIGHTS, 0, "a child's TCB",
                                       pd->line))
            return -1;
    }
    /* Memory regions, their mappings, and <setvar region_paddr>. */
    if (make_regions(l, env, bi))
        return -1;
    for (size_t i = 0; i < sys->npds; i++) {
        const mk_pd_t *pd = &sys->pds[i];
        for (size_t m = 0; m < pd->nmaps; m++)
            if (map_region(l, env, i, &pd->maps[m]))
                return -1;
        for (size_t s = 0; s < pd->nsetvars; s++) {
            mica_page_get_address_t a = mica_page_get_address(l->mr_frames[pd->setvars[s].mr]);
            *l->pds[i].region_paddr[s] = a.paddr;
        }
    }
    return 0;
}

void mk_root_task(const mica_bootinfo_t *bi, void *arg)
{
    mk_loaded_t *l = arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    if (build(l, &env, bi))
        return;
    for (size_t i = 0; i < l->sys->npds; i++) {
        mk_loaded_pd_t *lp = &l->pds[i];
        mica_process_error_t why;
        if (mica_process_start_ex(&lp->proc, lp->entry, (mica_word_t)(uintptr_t)&lp->cfg, 0, 0, 0,
                                  &why) != MICA_NO_ERROR) {
            build_failed(l, "%s:%d: starting PD '%s': %s", l->sys->path, l->sys->pds[i].line,
                         l->sys->pds[i].name, why.text);
            return;
        }
    }
    /*
     * Every PD is ready: the root task stops (it does not return, which
     * mica reports while others run) and the PDs run by priority. When all
     * of them wait for events, the run ends idle.
     */
    mica_tcb_suspend(MICA_CAP_INIT_TCB);
}
