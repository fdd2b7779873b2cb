/*
 * registers.c - seL4_TCB_WriteRegisters / ReadRegisters / CopyRegisters
 * round trips of the whole x86_64 seL4_UserContext (rip, rsp, rflags, rax,
 * rbx, rcx, rdx, rsi, rdi, rbp, r8..r15, fs_base, gs_base), partial counts,
 * the count's range, and the argument registers a started thread sees
 * (seL4: invokeTCB_ReadRegisters, invokeTCB_WriteRegisters,
 * invokeTCB_CopyRegisters with x86_64's frameRegisters / gpRegisters). An
 * seL4 root task written only against <sel4/sel4.h>.
 */
#include <string.h>
#include "sel4test.h"

#define NREGS (sizeof(seL4_UserContext) / sizeof(seL4_Word))

static const char *const reg_names[] = {
    "rip", "rsp", "rflags", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "fs_base", "gs_base",
};

/* A context with a distinct value in every register; rflags as a user thread has it (IF). */
static seL4_UserContext pattern(seL4_Word seed)
{
    seL4_UserContext c;
    seL4_Word *w = (seL4_Word *)&c;
    for (unsigned i = 0; i < NREGS; i++)
        w[i] = seed + 0x1000 * (i + 1);
    c.rflags = 0x202;
    return c;
}

/* Registers that differ, printed; the number of them. */
static int diff(const seL4_UserContext *got, const seL4_UserContext *want, unsigned n)
{
    const seL4_Word *g = (const seL4_Word *)got, *w = (const seL4_Word *)want;
    int bad = 0;
    for (unsigned i = 0; i < n; i++) {
        if (g[i] != w[i]) {
            printf("#   %s: got %#lx, want %#lx\n", reg_names[i], (unsigned long)g[i],
                   (unsigned long)w[i]);
            bad++;
        }
    }
    return bad;
}

static volatile seL4_Word seen[4];

static void show_args(seL4_Word a, seL4_Word b, seL4_Word c, seL4_Word d)
{
    seen[0] = a;
    seen[1] = b;
    seen[2] = c;
    seen[3] = d;
}

int main(void)
{
    st_init();
    printf("# registers: seL4_UserContext round trips through a TCB\n");
    _Static_assert(NREGS == 20, "seL4_UserContext has x86_64's 20 registers");
    st_thread_t t, u;
    CHECK(st_thread_new(&t, seL4_CapNull, 100) == 0 && st_thread_new(&u, seL4_CapNull, 100) == 0,
          "two threads, not started");

    seL4_UserContext w = pattern(0x10), r;
    CHECK_ERR(seL4_TCB_WriteRegisters(t.tcb, 0, 0, NREGS, &w), seL4_NoError,
              "WriteRegisters of all 20 registers, no resume");
    memset(&r, 0, sizeof r);
    CHECK_ERR(seL4_TCB_ReadRegisters(t.tcb, 0, 0, NREGS, &r), seL4_NoError, "ReadRegisters of all 20");
    CHECK(diff(&r, &w, NREGS) == 0, "  every register reads back as written");

    /* A partial write leaves the rest; a partial read fills only its part. */
    seL4_UserContext w2 = pattern(0x20);
    CHECK_ERR(seL4_TCB_WriteRegisters(t.tcb, 0, 0, 3, &w2), seL4_NoError,
              "WriteRegisters of the first 3 (rip, rsp, rflags)");
    seL4_UserContext want = w;
    want.rip = w2.rip;
    want.rsp = w2.rsp;
    want.rflags = w2.rflags;
    seL4_TCB_ReadRegisters(t.tcb, 0, 0, NREGS, &r);
    CHECK(diff(&r, &want, NREGS) == 0, "  those 3 changed, the other 17 did not");
    memset(&r, 0xee, sizeof r);
    CHECK_ERR(seL4_TCB_ReadRegisters(t.tcb, 0, 0, 5, &r), seL4_NoError, "ReadRegisters of the first 5");
    CHECK(diff(&r, &want, 5) == 0 && r.rsi == 0xeeeeeeeeeeeeeeeeul, "  fills those 5 only");

    CHECK_ERR(seL4_TCB_ReadRegisters(t.tcb, 0, 0, 0, &r), seL4_RangeError,
              "ReadRegisters of 0 registers: seL4_RangeError");
    CHECK_EQ(seL4_GetMR(0), 1, "  MR0: at least 1");
    CHECK_EQ(seL4_GetMR(1), NREGS, "  MR1: at most 20");
    CHECK_ERR(seL4_TCB_ReadRegisters(t.tcb, 0, 0, NREGS + 1, &r), seL4_RangeError,
              "ReadRegisters of 21 registers: seL4_RangeError");

    /* CopyRegisters: the frame registers (rip .. r15), the integer ones (fs_base, gs_base). */
    seL4_UserContext wu = pattern(0x30);
    seL4_TCB_WriteRegisters(u.tcb, 0, 0, NREGS, &wu);
    seL4_TCB_WriteRegisters(t.tcb, 0, 0, NREGS, &w);
    CHECK_ERR(seL4_TCB_CopyRegisters(u.tcb, t.tcb, 0, 0, 1, 0, 0), seL4_NoError,
              "CopyRegisters of the frame registers only");
    want = w;
    want.fs_base = wu.fs_base;
    want.gs_base = wu.gs_base;
    seL4_TCB_ReadRegisters(u.tcb, 0, 0, NREGS, &r);
    CHECK(diff(&r, &want, NREGS) == 0, "  rip .. r15 copied, fs_base and gs_base kept");
    seL4_TCB_WriteRegisters(u.tcb, 0, 0, NREGS, &wu);
    CHECK_ERR(seL4_TCB_CopyRegisters(u.tcb, t.tcb, 0, 0, 0, 1, 0), seL4_NoError,
              "CopyRegisters of the integer registers only");
    want = wu;
    want.fs_base = w.fs_base;
    want.gs_base = w.gs_base;
    seL4_TCB_ReadRegisters(u.tcb, 0, 0, NREGS, &r);
    CHECK(diff(&r, &want, NREGS) == 0, "  fs_base and gs_base copied, the rest kept");
    CHECK_ERR(seL4_TCB_CopyRegisters(u.tcb, t.tcb, 0, 0, 1, 1, 0), seL4_NoError, "CopyRegisters of both");
    seL4_TCB_ReadRegisters(u.tcb, 0, 0, NREGS, &r);
    CHECK(diff(&r, &w, NREGS) == 0, "  all 20 copied");

    /* Started: rdi, rsi, rdx, rcx are the entry function's four arguments. */
    seL4_CPtr n = st_make(seL4_NotificationObject, 0);
    seL4_UserContext go = st_entry_regs(t.stack_top, (seL4_Word)show_args, 11, 22, 33);
    go.rcx = 44;
    go.rbx = 0x5555;
    go.r12 = 0x6666;
    CHECK_ERR(seL4_TCB_WriteRegisters(t.tcb, 1, 0, NREGS, &go), seL4_NoError,
              "WriteRegisters with resume: start a function");
    seL4_Word badge;
    seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, 99);
    seL4_Poll(n, &badge);
    seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, seL4_MaxPrio);
    CHECK(seen[0] == 11 && seen[1] == 22 && seen[2] == 33 && seen[3] == 44,
          "  it got rdi, rsi, rdx, rcx as its 4 arguments");
    return st_done();
}
