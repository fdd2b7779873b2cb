/*
 * report.c - what the user reads when task code misbehaves: a pc as
 * function+offset (file:line), a host signal in words, and the list of
 * threads stopped by faults that no handler took.
 *
 * Symbolising reads the ELF symbol table of the object that holds the pc
 * (the main program or a shared library, found with dladdr) straight from
 * its file, so static functions have names too; file:line comes from
 * `addr2line` when it is installed (binutils, which gcc brings) and the
 * object has debug information. Nothing here calls malloc: the tests count
 * the host allocations made during a run, and a report may come from a
 * signal's aftermath.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sim.h"

extern char **environ;

/* Append to buf (length *len, capacity n) printf-style, never past the end. */
static void add(char *buf, size_t n, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    if (*len + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *len, n - *len, fmt, ap);
    va_end(ap);
    if (k > 0)
        *len = *len + (size_t)k < n ? *len + (size_t)k : n - 1;
}

/*
 * The function of `file` whose code holds file offset `off` (an address as
 * the ELF file has it): its name and start, from .symtab, else .dynsym.
 */
static int elf_function(const char *file, uintptr_t off, char *name, size_t n, uintptr_t *start)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(ElfW(Ehdr))) {
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    int found = -1;
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)m;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_shoff == 0 ||
        eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size)
        goto out;
    const ElfW(Shdr) *sh = (const ElfW(Shdr) *)(m + eh->e_shoff);
    for (int pass = 0; pass < 2 && found < 0; pass++) {
        unsigned want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
        for (unsigned i = 0; i < eh->e_shnum && found < 0; i++) {
            if (sh[i].sh_type != want || sh[i].sh_link >= eh->e_shnum ||
                sh[i].sh_offset + sh[i].sh_size > size)
                continue;
            const ElfW(Shdr) *strs = &sh[sh[i].sh_link];
            if (strs->sh_offset + strs->sh_size > size)
                continue;
            const ElfW(Sym) *sym = (const ElfW(Sym) *)(m + sh[i].sh_offset);
            size_t count = sh[i].sh_size / sizeof *sym;
            const ElfW(Sym) *best = NULL;
            for (size_t k = 0; k < count; k++) {
                if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || sym[k].st_value == 0 ||
                    sym[k].st_name >= strs->sh_size)
                    continue;
                uintptr_t lo = sym[k].st_value, hi = lo + (sym[k].st_size ? sym[k].st_size : 1);
                if (off >= lo && off < hi && (!best || sym[k].st_size < best->st_size))
                    best = &sym[k];
            }
            if (best) {
                const char *s = (const char *)(m + strs->sh_offset + best->st_name);
                size_t max = strs->sh_size - best->st_name;
                size_t l = strnlen(s, max);
                if (l >= n)
                    l = n - 1;
                memcpy(name, s, l);
                name[l] = 0;
                *start = best->st_value;
                found = 0;
            }
        }
    }
out:
    munmap((void *)m, size);
    return found;
}

/* file:line of file offset `off` in `file` through addr2line; -1 when unknown. */
static int addr2line(const char *file, uintptr_t off, char *out, size_t n)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    char addr[32];
    snprintf(addr, sizeof addr, "0x%lx", (unsigned long)off);
    char *const argv[] = { "addr2line", "-e", (char *)file, addr, NULL };
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    /* Its own signal mask, free of whatever the simulator blocks on this thread. */
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int err = posix_spawnp(&pid, "addr2line", &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(p[1]);
    if (err) {
        close(p[0]);
        return -1;
    }
    char buf[160];
    size_t len = 0;
    for (;;) {
        ssize_t k = read(p[0], buf + len, sizeof buf - 1 - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
        if (len == sizeof buf - 1)
            break;
    }
    close(p[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    buf[len] = 0;
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    char *disc = strstr(buf, " (discriminator");
    if (disc)
        *disc = 0;
    if (!buf[0] || buf[0] == '?' || strstr(buf, ":?") || strstr(buf, ":0") == buf + strlen(buf) - 2)
        return -1;
    const char *base = strrchr(buf, '/');
    snprintf(out, n, "%s", base ? base + 1 : buf);
    return 0;
}

/*
 * The file of the object lm maps. The main program's link map has an empty
 * name (or, under ASan, "/proc/self/exe"): addr2line, another process,
 * needs the real path, read into exe.
 */
static const char *object_path(const struct link_map *lm, char *exe, size_t n)
{
    const char *file = lm->l_name;
    if (file && file[0] && strncmp(file, "/proc/self/", 11) != 0)
        return file;
    ssize_t k = readlink("/proc/self/exe", exe, n - 1);
    exe[k > 0 ? k : 0] = 0;
    return k > 0 ? exe : "/proc/self/exe";
}

static size_t symbolize(uintptr_t pc, char *buf, size_t n, int with_line)
{
    size_t len = 0;
    buf[0] = 0;
    Dl_info di;
    struct link_map *lm = NULL;
    if (!pc || !dladdr1((void *)pc, &di, (void **)&lm, RTLD_DL_LINKMAP) || !lm) {
        if (with_line)
            add(buf, n, &len, "0x%lx", (unsigned long)pc);
        else
            add(buf, n, &len, "?");
        return len;
    }
    char exe[512];
    const char *file = object_path(lm, exe, sizeof exe);
    uintptr_t off = pc - (uintptr_t)lm->l_addr;    /* as the ELF file numbers it */
    char name[128];
    uintptr_t start;
    if (elf_function(file, off, name, sizeof name, &start) == 0)
        add(buf, n, &len, "%s+0x%lx", name, (unsigned long)(off - start));
    else if (di.dli_sname)
        add(buf, n, &len, "%s+0x%lx", di.dli_sname, (unsigned long)(pc - (uintptr_t)di.dli_saddr));
    else {
        const char *base = strrchr(file, '/');
        add(buf, n, &len, "%s+0x%lx", base ? base + 1 : file, (unsigned long)off);
    }
    /* file:line for the program's own code; the system's libraries would only be slow. */
    int system_lib = strncmp(file, "/lib", 4) == 0 || strncmp(file, "/usr/lib", 8) == 0;
    char line[160];
    if (with_line && !system_lib && addr2line(file, off, line, sizeof line) == 0)
        add(buf, n, &len, " (%s)", line);
    return len;
}

/*
 * The function holding runtime address pc: its name and runtime start, from
 * the ELF symbol table of the object that holds it; -1 when unknown.
 */
static int function_of(uintptr_t pc, char *name, size_t n, uintptr_t *start)
{
    Dl_info di;
    struct link_map *lm = NULL;
    if (!pc || !dladdr1((void *)pc, &di, (void **)&lm, RTLD_DL_LINKMAP) || !lm)
        return -1;
    char exe[512];
    const char *file = object_path(lm, exe, sizeof exe);
    if (elf_function(file, pc - (uintptr_t)lm->l_addr, name, n, start) != 0)
        return -1;
    *start += (uintptr_t)lm->l_addr;
    return 0;
}

/* A function of the system-call interface or the user library (the API's prefixes). */
static int is_api_function(const char *name)
{
    return strncmp(name, "mica_", 5) == 0 || strncmp(name, "seL4_", 5) == 0;
}

/*
 * If the instruction before return address ra (in [lo, hi), the program's
 * text) is a direct call, its target; else 0. x86_64: call rel32; AArch64: bl.
 */
static uintptr_t call_target(uintptr_t ra, uintptr_t lo, uintptr_t hi)
{
#if defined(__x86_64__)
    if (ra < lo + 5 || ra >= hi)
        return 0;
    const unsigned char *p = (const unsigned char *)(ra - 5);
    if (p[0] != 0xe8)
        return 0;
    int32_t rel;
    memcpy(&rel, p + 1, sizeof rel);
    return ra + (uintptr_t)(intptr_t)rel;
#elif defined(__aarch64__)
    if (ra < lo + 4 || ra >= hi || (ra & 3))
        return 0;
    uint32_t insn;
    memcpy(&insn, (const void *)(ra - 4), sizeof insn);
    if ((insn & 0xfc000000u) != 0x94000000u)
        return 0;
    int64_t imm = (int64_t)((insn & 0x03ffffffu) << 6) >> 4;     /* imm26 * 4, sign-extended */
    return ra - 4 + (uintptr_t)imm;
#else
    (void)ra; (void)lo; (void)hi;
    return 0;
#endif
}

/*
 * A word of a parked thread's stack. Not instrumented: under ASan the scan
 * crosses the redzones of that thread's frames, which are no overflow here.
 */
__attribute__((no_sanitize("address")))
static uintptr_t stack_word(uintptr_t a)
{
    return *(const uintptr_t *)a;
}

/*
 * The next frame above stack address *a (up to top): a stack word that
 * returns just after a direct call to `want`, with the function it returns
 * into (name, start). *a is left at that word. 0 when there is none.
 */
static uintptr_t frame_calling(uintptr_t *a, uintptr_t top, uintptr_t want, char *name, size_t n,
                               uintptr_t *start)
{
    uintptr_t lo, hi;
    sim_main_text(&lo, &hi);
    for (; *a + sizeof(uintptr_t) <= top; *a += sizeof(uintptr_t)) {
        uintptr_t w = stack_word(*a);
        if (w >= lo && w < hi && call_target(w, lo, hi) == want)
            return function_of(w - 1, name, n, start) == 0 ? w : 0;
    }
    return 0;
}

/*
 * The return address, in the task code, of the call that entered the
 * system-call interface of a thread parked in the kernel. Its frames lie
 * between the saved sp and the top of its host stack: kernel frames first,
 * then the wrapper that called kernel_syscall, then perhaps more of the
 * interface and the user library (mica_*, seL4_*, and their own helpers,
 * which one of those calls), then the task's function. Each frame's return
 * address is found as a stack word just after a direct call to the function
 * of the frame below it, so stale words are not taken for frames. 0 when
 * the chain is not found (a call through the PLT, a tail call).
 */
static uintptr_t task_call_site(uintptr_t sp, uintptr_t top)
{
    char name[128], up_name[128];
    uintptr_t a = sp & ~(uintptr_t)7, start, up_start;
    if (!frame_calling(&a, top, (uintptr_t)kernel_syscall, name, sizeof name, &start))
        return 0;
    for (unsigned depth = 0; depth < 16; depth++) {
        a += sizeof(uintptr_t);
        uintptr_t w = frame_calling(&a, top, start, name, sizeof name, &start);
        if (!w)
            return 0;
        if (is_api_function(name))
            continue;       /* its caller is next */
        /* Not the interface's: the task's, unless a library function called it (a helper). */
        uintptr_t b = a + sizeof(uintptr_t);
        if (frame_calling(&b, top, start, up_name, sizeof up_name, &up_start) &&
            is_api_function(up_name)) {
            a = b;
            start = up_start;
            continue;
        }
        return w;
    }
    return 0;
}

void hw_ctx_where(int ctx, hw_word_t pc, char *buf, size_t n)
{
    buf[0] = 0;
    /* Symbolising runs a program: only when someone will read the result. */
    if (n == 0 || (sim.cfg && sim.cfg->quiet && !sim.log.f))
        return;
    uintptr_t at = 0, sp, top;
    if (pc)
        at = (uintptr_t)pc;
    else if (ctx >= 0 && ctx_parked_stack(ctx, &sp, &top) == 0) {
        at = task_call_site(sp, top);
        if (at)
            at--;           /* the call, not what follows it */
    }
    if (at)
        sim_symbolize(at, buf, n);
}

static sim_cap_namer_fn cap_namer;
static void *cap_namer_arg;

void sim_set_cap_namer(sim_cap_namer_fn fn, void *arg)
{
    cap_namer = fn;
    cap_namer_arg = arg;
}

size_t hw_cap_note(const char *thread, hw_word_t cptr, char *buf, size_t n)
{
    if (n)
        buf[0] = 0;
    return cap_namer && n ? cap_namer(cap_namer_arg, thread, cptr, buf, n) : 0;
}

size_t sim_symbolize(uintptr_t pc, char *buf, size_t n)
{
    return symbolize(pc, buf, n, 1);
}

size_t sim_symbolize_function(uintptr_t pc, char *buf, size_t n)
{
    return symbolize(pc, buf, n, 0);
}

void sim_signal_name(int sig, char *buf, size_t n)
{
    const char *a = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
    if (a)
        snprintf(buf, n, "SIG%s", a);
    else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, n, "SIGRTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, n, "signal %d", sig);
}

/* "SIGSEGV: write to address 0x0" - a host signal from task code in words. */
size_t sim_describe_signal(unsigned signo, unsigned code, uintptr_t addr, int write, char *buf,
                           size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    char sname[32];
    sim_signal_name((int)signo, sname, sizeof sname);
    add(buf, n, &len, "%s: ", sname);
    switch (signo) {
    case SIGSEGV:
        add(buf, n, &len, "%s address 0x%lx", write ? "write to" : "read from or jump to",
            (unsigned long)addr);
        if (addr < 4096)
            add(buf, n, &len, " (a NULL pointer)");
        else if (code == SEGV_ACCERR)
            add(buf, n, &len, " (not permitted there)");
        else if (code == SEGV_MAPERR)
            add(buf, n, &len, " (nothing mapped there)");
        break;
    case SIGBUS:
        add(buf, n, &len, "bus error at address 0x%lx%s", (unsigned long)addr,
            code == BUS_ADRALN ? " (misaligned)" : code == BUS_OBJERR ? " (beyond the mapped object)" : "");
        break;
    case SIGFPE:
        add(buf, n, &len, "%s", code == FPE_INTDIV ? "integer division by zero"
                                : code == FPE_INTOVF ? "integer overflow"
                                : code == FPE_FLTDIV ? "floating-point division by zero"
                                : "arithmetic exception");
        break;
    case SIGILL:
        add(buf, n, &len, "illegal instruction (or __builtin_trap) at 0x%lx", (unsigned long)addr);
        break;
    case SIGABRT:
        add(buf, n, &len, "abort() was called (a failed assert, or the C library found corruption)");
        break;
    case SIGTRAP:
        add(buf, n, &len, "breakpoint trap");
        break;
    case SIGPIPE:
        add(buf, n, &len, "write to a pipe or socket that nobody reads");
        return len;
    case SIGXFSZ:
        add(buf, n, &len, "the file size limit was exceeded");
        return len;
    default:
        add(buf, n, &len, "%s", strsignal((int)signo));
        break;
    }
    /* si_code: sent by a process (this one: trap.c takes no other), not raised by the CPU. */
    int sent = (int)code == SI_USER || (int)code == SI_QUEUE || (int)code == SI_TKILL;
    if (sent && signo != SIGABRT)
        add(buf, n, &len, ", sent by the thread to itself (raise, kill or pthread_kill)");
    return len;
}

/* --- threads stopped by faults that no handler took, or for escaping ------ */

#define FAULTED_KEPT 16
static struct {
    unsigned count;                 /* faulted and escaped threads (faulted_threads) */
    unsigned escapes;               /* of which stopped for an escape (escape.c) */
    char line[FAULTED_KEPT][224];   /* "'name': what, at where" for the end report */
    int escaped[FAULTED_KEPT];      /* the line is an escape */
    int root_returned;              /* hw_root_returned: the root task's entry returned */
    hw_word_t root_time;
    unsigned root_others;
} faulted;
/*
 * The kernel reports with its lock held, but a host thread that is no
 * simulated CPU (escape.c) reports without it: this lock orders them, and
 * the end of the run (report_end_run) against a late host thread.
 */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
/* Told once per run (and once between runs) that a host thread made system calls. */
static int told_not_a_mica_thread;

void report_reset(void)
{
    memset(&faulted, 0, sizeof faulted);
    __atomic_store_n(&told_not_a_mica_thread, 0, __ATOMIC_RELAXED);
}

unsigned report_faulted_threads(void)
{
    return faulted.count;
}

unsigned report_escaped_threads(void)
{
    return faulted.escapes;
}

/* Keep an end-report line (report_lock held). */
static void keep(int escaped, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void keep(int escaped, const char *fmt, ...)
{
    faulted.count++;
    faulted.escapes += escaped != 0;
    if (faulted.count > FAULTED_KEPT)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(faulted.line[faulted.count - 1], sizeof faulted.line[0], fmt, ap);
    va_end(ap);
    faulted.escaped[faulted.count - 1] = escaped;
}

/* What a fault of type `type` with words w (fault_t's) was, in words (no "where"). */
static void fault_words(unsigned long type, const hw_word_t w[4], int *is_trap, uintptr_t *pc,
                        uintptr_t *caller, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    *is_trap = 0;
    *pc = 0;
    *caller = 0;
    switch (type) {
    case MICA_FAULT_CAP:
        add(buf, n, &len, "cap fault: no usable capability at cptr 0x%lx%s", (unsigned long)w[0],
            w[1] ? " (receive phase)" : "");
        break;
    case MICA_FAULT_UNKNOWN_SYSCALL:
        add(buf, n, &len, "unknown system call %ld", (long)w[0]);
        break;
    case MICA_FAULT_USER_EXCEPTION: {
        *is_trap = 1;
        *pc = w[2];
        hw_fault_t p = sim_self()->pending;     /* the trap that raised it, if it is this one */
        int this_trap = p.ip == w[2] && p.signo == w[0];
        uintptr_t addr = this_trap ? p.host_addr : 0;
        int write = this_trap ? p.write : 0;
        *caller = this_trap ? sim_self()->pending_caller : 0;
        sim_describe_signal((unsigned)w[0], (unsigned)w[1], addr, write, buf, n);
        break;
    }
    case MICA_FAULT_VM: {
        *is_trap = 1;
        *pc = w[3];
        /* On a device frame (mmio.c): say why the access did not reach the device. */
        const struct sim_cpu *self = sim_self();
        hw_fault_t p = self->pending;
        if (self->mmio_why && p.vm && p.addr == w[0] && p.ip == w[3]) {
            add(buf, n, &len, "VM fault: %s device register at vaddr 0x%lx: %s",
                (w[2] & 2) ? "write to a" : "read from a", (unsigned long)w[0], self->mmio_why);
            break;
        }
        add(buf, n, &len, "VM fault: %s vaddr 0x%lx, which its VSpace does not map %s",
            w[1] ? "instruction fetch at" : (w[2] & 2) ? "write to" : "read from",
            (unsigned long)w[0], (w[2] & 1) ? "with those rights" : "");
        break;
    }
    default:
        add(buf, n, &len, "fault type %lu", type);
        break;
    }
}

void hw_thread_faulted(const char *thread, unsigned long type, const hw_word_t w[4],
                       hw_word_t handler, const char *why)
{
    char what[448], where[400] = "", msg[1024];
    int is_trap;
    uintptr_t pc, caller;
    fault_words(type, w, &is_trap, &pc, &caller, what, sizeof what);
    /* Symbolising runs a program: only when someone will read the result. */
    int shown = !sim.cfg || !sim.cfg->quiet || sim.log.f;
    if (is_trap && pc && shown) {
        size_t len = sim_symbolize(pc, where, sizeof where);
        if (caller && len + 16 < sizeof where) {
            /* In the C library (raise, abort): the task's own call says more. */
            len += (size_t)snprintf(where + len, sizeof where - len, " called from ");
            sim_symbolize(caller - 1, where + len, sizeof where - len);
        }
    }
    snprintf(msg, sizeof msg, "thread '%s' stopped: %s%s%s; no fault handler took it (%s, cptr 0x%lx)",
             thread, what, where[0] ? ", at " : "", where, why, (unsigned long)handler);
    pthread_mutex_lock(&report_lock);
    hw_log("%s", msg);
    keep(0, "'%s': %s%s%s", thread, what, where[0] ? ", at " : "", where);
    pthread_mutex_unlock(&report_lock);
}

void hw_thread_escaped(const char *thread, const char *what, const char *advice)
{
    pthread_mutex_lock(&report_lock);
    hw_log("thread '%s' %s: %s", thread, what, advice);
    keep(1, "'%s': %s", thread, what);
    pthread_mutex_unlock(&report_lock);
}

int report_host_thread_escaped(long tid, const char *what, const char *advice)
{
    pthread_mutex_lock(&report_lock);
    int running = __atomic_load_n(&sim.booted, __ATOMIC_ACQUIRE);
    if (running) {
        hw_log("host thread %ld, which is not a mica thread (task code created it with "
               "pthread_create?), %s: %s", tid, what, advice);
        keep(1, "host thread %ld: %s", tid, what);
    }
    pthread_mutex_unlock(&report_lock);
    return running ? 0 : -1;
}

void report_not_a_mica_thread(const char *fn)
{
    if (__atomic_exchange_n(&told_not_a_mica_thread, 1, __ATOMIC_RELAXED))
        return;
    long tid = (long)gettid();
    pthread_mutex_lock(&report_lock);
    if (__atomic_load_n(&sim.booted, __ATOMIC_ACQUIRE))
        hw_log("%s from host thread %ld, which is not a mica thread (task code created it with "
               "pthread_create?): only threads the kernel runs may make system calls; use "
               "mica_thread_spawn (this call and any like it fail with MICA_ILLEGAL_OPERATION, "
               "reported once)", fn, tid);
    else
        fprintf(stderr, "mica: %s from host thread %ld outside mica_run: there is no running "
                "system to call (it fails with MICA_ILLEGAL_OPERATION, reported once)\n", fn, tid);
    pthread_mutex_unlock(&report_lock);
}

void report_end_run(void)
{
    pthread_mutex_lock(&report_lock);
    __atomic_store_n(&sim.booted, 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&report_lock);
}

/* A line for the log only (HW_LOG_DIAG). */
static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hw_vlog(HW_LOG_DIAG, fmt, ap);
    va_end(ap);
}

void hw_root_returned(hw_word_t time, unsigned others)
{
    faulted.root_returned = 1;
    faulted.root_time = time;
    faulted.root_others = others;
    if (others)
        diag("the root task returned from its entry function at tick %lu while %u other "
             "thread%s ready or running; they run on (the root thread is now inactive)",
             (unsigned long)time, others, others == 1 ? " was" : "s were");
}

/* The end report's list of stopped threads (runner.c), to f. */
/* A thread the machine stopped (not a fault): reported like one and counted with them. */
void report_thread_stopped(const char *thread, const char *what, const char *where,
                           const char *why)
{
    pthread_mutex_lock(&report_lock);
    hw_log("thread '%s' %s%s%s: %s", thread, what, where[0] ? ", at " : "", where, why);
    keep(0, "'%s': %s%s%s", thread, what, where[0] ? ", at " : "", where);
    pthread_mutex_unlock(&report_lock);
}

void report_print_faulted(FILE *f)
{
    unsigned kept = faulted.count < FAULTED_KEPT ? faulted.count : FAULTED_KEPT;
    for (unsigned i = 0; i < kept; i++)
        fprintf(f, "  %s: %s\n", faulted.escaped[i] ? "escaped" : "faulted", faulted.line[i]);
    if (faulted.count > kept)
        fprintf(f, "  faulted: ... and %u more\n", faulted.count - kept);
}

/* --stats: when the root task returned, if it did. */
void report_print_root(FILE *f)
{
    if (!faulted.root_returned)
        return;
    fprintf(f, "  %-18s returned at tick %lu", "root task", (unsigned long)faulted.root_time);
    if (faulted.root_others)
        fprintf(f, "; %u other thread%s ready or running ran on\n", faulted.root_others,
                faulted.root_others == 1 ? " was" : "s were");
    else
        fputs("\n", f);
}
