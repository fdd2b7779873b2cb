/*
 * ctx.c - execution contexts: a host stack plus saved registers per thread.
 *
 * Context 0 is the CPU's idle loop: the host thread inside mica_run. Other
 * contexts are created with makecontext and switched with swapcontext
 * (a faster hand-written switch replaces swapcontext on the IPC path in the
 * threads/IPC milestone). A context whose thread is destroyed while it runs
 * is released after the switch away from it.
 *
 * Stacks: a thread whose sp lies in a VSpace with a host window runs on that
 * memory (window + sp is its stack top); otherwise it gets a host stack of
 * HOST_STACK_BYTES with a PROT_NONE guard page below it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <mica/syscalls.h>
#include "sim.h"

#define HOST_STACK_BYTES (256ul << 10)
#define GUARD_BYTES      4096ul
#define VSPACE_STACK_HINT (64ul << 10)

struct ctx {
    ucontext_t uc;
    unsigned char *stack;   /* host stack mapping (guard + stack), kept for reuse */
    hw_word_t pc;
    hw_word_t args[4];
    int in_use;
};

static struct ctx *ctxs;
static unsigned nctx;
static int *free_ids;
static unsigned nfree;
static int cur;
static int pending_free = -1;

int ctx_system_init(unsigned max_contexts)
{
    nctx = max_contexts + 1;
    ctxs = calloc(nctx, sizeof *ctxs);
    free_ids = calloc(nctx, sizeof *free_ids);
    if (!ctxs || !free_ids) {
        free(ctxs);
        free(free_ids);
        ctxs = NULL;
        free_ids = NULL;
        return -ENOMEM;
    }
    nfree = 0;
    for (unsigned i = nctx - 1; i >= 1; i--)
        free_ids[nfree++] = (int)i;
    ctxs[0].in_use = 1;
    cur = 0;
    pending_free = -1;
    return 0;
}

void ctx_system_destroy(void)
{
    for (unsigned i = 0; ctxs && i < nctx; i++)
        if (ctxs[i].stack)
            munmap(ctxs[i].stack, HOST_STACK_BYTES + GUARD_BYTES);
    free(ctxs);
    free(free_ids);
    ctxs = NULL;
    free_ids = NULL;
    nctx = nfree = 0;
}

int ctx_current(void)
{
    return cur;
}

static void release(int id)
{
    ctxs[id].in_use = 0;
    free_ids[nfree++] = id;
}

static void drain_pending(void)
{
    if (pending_free >= 0 && pending_free != cur) {
        release(pending_free);
        pending_free = -1;
    }
}

int hw_ctx_alloc(void)
{
    if (nfree == 0)
        return -1;
    int id = free_ids[--nfree];
    ctxs[id].in_use = 1;
    return id;
}

void hw_ctx_free(int id)
{
    if (id <= 0 || (unsigned)id >= nctx || !ctxs[id].in_use)
        return;
    if (id == cur) {
        drain_pending();
        pending_free = id;
    } else {
        release(id);
    }
}

static void trampoline(void)
{
    drain_pending();
    struct ctx *c = &ctxs[cur];
    void (*entry)(mica_word_t, mica_word_t, mica_word_t, mica_word_t) =
        (void (*)(mica_word_t, mica_word_t, mica_word_t, mica_word_t))c->pc;
    entry(c->args[0], c->args[1], c->args[2], c->args[3]);
    for (;;) {
        hw_word_t regs[8] = { 0 };
        regs[7] = (hw_word_t)(long)MICA_SYS_THREAD_EXIT;
        kernel_syscall(regs);
    }
}

void hw_ctx_start(int id, hw_word_t pc, hw_word_t vspace, hw_word_t sp, const hw_word_t args[4])
{
    struct ctx *c = &ctxs[id];
    unsigned char *window = vspace ? mmu_window(vspace) : NULL;

    c->pc = pc;
    for (int i = 0; i < 4; i++)
        c->args[i] = args[i];
    getcontext(&c->uc);
    c->uc.uc_link = NULL;
    if (window && sp > VSPACE_STACK_HINT && sp <= (1ul << MICA_VADDR_BITS)) {
        c->uc.uc_stack.ss_sp = window + sp - VSPACE_STACK_HINT;
        c->uc.uc_stack.ss_size = VSPACE_STACK_HINT;
    } else {
        if (!c->stack) {
            void *p = mmap(NULL, HOST_STACK_BYTES + GUARD_BYTES, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
            if (p == MAP_FAILED) {
                fprintf(stderr, "mica: the host refused a thread stack\n");
                abort();
            }
            mprotect(p, GUARD_BYTES, PROT_NONE);
            c->stack = p;
        }
        c->uc.uc_stack.ss_sp = c->stack + GUARD_BYTES;
        c->uc.uc_stack.ss_size = HOST_STACK_BYTES;
    }
    makecontext(&c->uc, trampoline, 0);
}

void hw_ctx_switch(int from, int to)
{
    cur = to;
    swapcontext(&ctxs[from].uc, &ctxs[to].uc);
    cur = from;
    drain_pending();
}
