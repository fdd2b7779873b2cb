# mica.py - gdb support for programs that run a mica system.
#
# Load it with `source /path/to/share/mica/gdb/mica.py` (or run the program
# under `mica-gdb`, which does that). It
#
#   - tells gdb to pass, without stopping or printing, the host signals mica
#     handles itself: the traps that become faults of simulated threads
#     (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT), the real clock's tick
#     (SIGALRM), the inter-processor interrupt (SIGRTMIN+2), the watchdog's
#     stall signal (SIGRTMIN+3), and the signals task code sends itself;
#   - stops at sim_internal_error, where every crash inside mica itself (a
#     host signal in the kernel or the simulator, a kernel panic) ends up
#     before the process ends, with the crashing frames still on the stack;
#   - adds `info mica-threads` (every simulated thread: name, state, CPU,
#     priority, what it waits on) and `mica-bt THREAD` (the backtrace of a
#     simulated thread, running or parked);
#   - never steps into __sanitizer_cov_trace_pc, the virtual clock's hook
#     that instrumented task code calls at every basic block;
#   - adds `mica-stop-on-faults on|off`: stop when task code crashes (a user
#     exception: a NULL pointer, a division by zero, abort()), but not on
#     VM faults, which a pager may be handling on purpose.
#
# It reads the kernel's state through the program's debug information
# (mica builds with -g): the kernel state `ks`, the TCBs in simulated
# physical memory (`hw_phys_base`), and the simulator's contexts (`ctxs`).

import re
import signal
import struct

import gdb

# --- signals -----------------------------------------------------------------

# The host signals mica uses for its own machinery and for the faults of task
# code. SIGRTMIN+2 and +3 are the IPI and the watchdog's stall signal
# (sim/sim.h); gdb names real-time signals by number (SIG34 is glibc's SIGRTMIN).
_RTMIN = getattr(signal, "SIGRTMIN", 34)
MICA_SIGNALS = ["SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT", "SIGALRM",
                "SIG%d" % (_RTMIN + 2), "SIG%d" % (_RTMIN + 3)]
# Signals task code may send itself (raise, kill(getpid()), a write to a closed
# pipe): each is a fault of the sending thread (sim/signals.c). Left to gdb's
# defaults: SIGINT (gdb's own Ctrl-C), SIGTRAP (gdb's breakpoints), and the
# signals that come from outside the process (SIGHUP, SIGTERM, SIGQUIT).
TASK_SIGNALS = ["SIGUSR1", "SIGUSR2", "SIGPIPE", "SIGVTALRM", "SIGPROF", "SIGXCPU",
                "SIGXFSZ", "SIGSYS", "SIGIO", "SIGSTKFLT", "SIGPWR"]


def _handle_signals():
    for s in MICA_SIGNALS + TASK_SIGNALS:
        try:
            gdb.execute("handle %s nostop noprint pass" % s, to_string=True)
        except gdb.error:
            pass    # a signal this host does not have


class _InternalError(gdb.Breakpoint):
    """A breakpoint on sim_internal_error: a crash inside mica itself."""

    last = None

    def stop(self):
        # Inlined copies have two locations each: stop at the first of one call only.
        try:
            key = (gdb.selected_thread().num, gdb.newest_frame().older().pc())
        except (gdb.error, AttributeError):
            key = None
        if key is not None and key == _InternalError.last:
            return False
        _InternalError.last = key
        gdb.write("\nmica: stopped in sim_internal_error: a crash inside mica itself "
                  "(its report is above); `bt` shows where\n")
        return True


_internal_bp = None


def _pending_breakpoint(cls, spec):
    """An internal breakpoint of class cls at spec, pending if the program
    is not loaded yet; gdb's "breakpoint pending" setting is put back."""
    old = gdb.parameter("breakpoint pending")
    gdb.execute("set breakpoint pending on", to_string=True)
    try:
        return cls(spec, internal=True)
    finally:
        gdb.execute("set breakpoint pending %s" %
                    {True: "on", False: "off", None: "auto"}[old], to_string=True)


def _break_on_internal_error():
    global _internal_bp
    if _internal_bp is not None and _internal_bp.is_valid():
        return
    _internal_bp = _pending_breakpoint(_InternalError, "sim_internal_error")


class _FaultBreak(gdb.Breakpoint):
    """kernel_fault for a user exception (not a VM fault): task code crashed."""

    def stop(self):
        try:
            f = gdb.parse_and_eval("f").dereference()
            if int(f["vm"]):
                return False
            k = _Kernel()
            name = k.name(k.tcb_of_ctx(int(gdb.parse_and_eval("ctx"))))
            gdb.write("\nmica: thread '%s' crashed (host signal %d at %s); `mica-bt %s` shows "
                      "its stack\n" % (name, int(f["signo"]), _symbol(int(f["ip"])), name))
        except gdb.error:
            pass
        return True


_fault_bp = None


class StopOnFaults(gdb.Command):
    """mica-stop-on-faults on|off: stop when task code crashes.

On: gdb stops when a simulated thread takes a user exception - a host
SIGSEGV outside its VSpace window (a NULL or stray pointer), SIGBUS, SIGFPE,
SIGILL, abort() - just before the kernel delivers it as a fault. VM faults
(an access inside the VSpace window to a page that is not mapped) do not
stop: a pager may be handling them. `mica-bt NAME` then shows the crashed
thread's stack. Off (the default): mica delivers or reports the fault alone."""

    def __init__(self):
        super().__init__("mica-stop-on-faults", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        global _fault_bp
        arg = arg.strip()
        if arg not in ("on", "off"):
            raise gdb.GdbError("usage: mica-stop-on-faults on|off")
        if _fault_bp is not None and _fault_bp.is_valid():
            _fault_bp.delete()
        _fault_bp = None
        if arg == "on":
            _fault_bp = _pending_breakpoint(_FaultBreak, "kernel_fault")


# --- the kernel's state ----------------------------------------------------------

STATE_NAMES = ["Inactive", "Running", "Restart", "BlockedOnReceive", "BlockedOnSend",
               "BlockedOnReply", "BlockedOnNotification", "Idle"]
T_RUNNING, T_RESTART, T_RECV, T_SEND, T_REPLY, T_NTFN = 1, 2, 3, 4, 5, 6
TCB_FLAG_START = 1
TCB_FLAG_EXITED = 4
TCB_FLAG_STALLED = 32
# Cap types (include/mica/types.h mica_cap_type_t) and the TCB's own slots (src/kernel/types.h).
CAP_ENDPOINT, CAP_NOTIFICATION, CAP_REPLY, CAP_CNODE, CAP_TCB = 2, 3, 4, 5, 6
TCB_CTABLE, TCB_REPLY, TCB_CALLER = 0, 2, 3
SLOT_BYTES = 32


def _enum(name, default):
    try:
        return int(gdb.parse_and_eval(name))
    except gdb.error:
        return default


def _symbol(addr):
    """'func+0x1c (file.c:12)' for a code address, as far as gdb knows it."""
    try:
        b = gdb.block_for_pc(addr)
        while b is not None and b.function is None:
            b = b.superblock
        out = "0x%x" % addr
        if b is not None:
            out = "%s+0x%x" % (b.function.print_name, addr - b.start)
        sal = gdb.find_pc_line(addr)
        if sal.symtab is not None:
            out += " (%s:%d)" % (sal.symtab.filename.split("/")[-1], sal.line)
        return out
    except (gdb.error, RuntimeError):
        return "0x%x" % addr


class _Kernel:
    """The kernel's state as it is in the stopped process."""

    def __init__(self):
        try:
            self.ks = gdb.parse_and_eval("ks")
            self.base = int(gdb.parse_and_eval("(unsigned long)hw_phys_base"))
            self.size = int(gdb.parse_and_eval("(unsigned long)hw_phys_size"))
            self.tcb_type = gdb.lookup_type("tcb_t")
        except gdb.error as e:
            raise gdb.GdbError("mica: no mica kernel in this program (%s)" % e)
        if self.base == 0:
            raise gdb.GdbError("mica: no system is running (the machine's memory is not set up)")
        self.inf = gdb.selected_inferior()
        self.tcb_offset = 1024      # src/kernel/types.h TCB_OFFSET
        self.ncpus = int(self.ks["num_cpus"])
        self.cur_cpu = int(self.ks["cur_cpu"])
        global CAP_ENDPOINT, CAP_NOTIFICATION, CAP_REPLY, CAP_CNODE, CAP_TCB
        CAP_ENDPOINT = _enum("MICA_CAP_TYPE_ENDPOINT", CAP_ENDPOINT)
        CAP_NOTIFICATION = _enum("MICA_CAP_TYPE_NOTIFICATION", CAP_NOTIFICATION)
        CAP_REPLY = _enum("MICA_CAP_TYPE_REPLY", CAP_REPLY)
        CAP_CNODE = _enum("MICA_CAP_TYPE_CNODE", CAP_CNODE)
        CAP_TCB = _enum("MICA_CAP_TYPE_TCB", CAP_TCB)

    # Simulated physical memory.
    def read(self, paddr, n):
        if paddr + n > self.size:
            raise gdb.GdbError("mica: paddr 0x%x is outside the machine's memory" % paddr)
        return bytes(self.inf.read_memory(self.base + paddr, n))

    def slot(self, paddr):
        """(cap type, object paddr, word, mdb prev, mdb next) of the slot at paddr."""
        b = self.read(paddr, SLOT_BYTES)
        ctype, f1, f2, obj_hi, obj, word, prev, nxt = struct.unpack("<BBBBIQQQ", b)
        return ctype, (obj_hi << 36) | (obj << 4), f1, f2, word, prev & ~3, nxt

    def tcb(self, t):
        return gdb.Value(self.base + t + self.tcb_offset).cast(self.tcb_type.pointer()).dereference()

    def name(self, t):
        if not t:
            return "?"
        try:
            n = self.tcb(t)["name"].string(length=32).split("\0")[0]
        except (gdb.error, UnicodeDecodeError):
            n = ""
        return n or "(unnamed)"

    def cpu_state(self, c):
        """ks.cpu[] slot of CPU c (state.h cpu_state: slot 0 and slot cur_cpu trade places)."""
        i = 0 if c == self.cur_cpu else (self.cur_cpu if c == 0 else c)
        return self.ks["cpu"][i]

    def idle_threads(self):
        return {int(self.cpu_state(c)["idle_thread"]) for c in range(self.ncpus)}

    def running(self):
        """{tcb paddr: cpu} of the threads whose task code a CPU runs now."""
        out = {}
        for c in range(self.ncpus):
            s = self.cpu_state(c)
            if int(s["stalled"]) and int(s["orphan"]):
                out[int(s["orphan"])] = c
            cur = int(s["cur_thread"])
            if cur and cur != int(s["idle_thread"]):
                out.setdefault(cur, c)
        return out

    def tcbs(self):
        """Every TCB with a cap to it, in paddr order: a walk of the CDT list (summary.c)."""
        found = set()
        p = self.slot(int(self.ks["mdb_head"]))[6]
        budget = self.size // SLOT_BYTES
        while p and p + SLOT_BYTES <= self.size and budget:
            ctype, obj, _, _, _, _, nxt = self.slot(p)
            if ctype == CAP_TCB and obj + 2048 <= self.size:
                found.add(obj)
            p = nxt
            budget -= 1
        return sorted(found - self.idle_threads())

    def find(self, key):
        """The TCB named key, or numbered key in `info mica-threads`, or at paddr key."""
        ts = self.tcbs()
        named = [t for t in ts if self.name(t) == key]
        if named:
            return named[0]
        if re.fullmatch(r"\d+", key) and 1 <= int(key) <= len(ts):
            return ts[int(key) - 1]
        if re.fullmatch(r"0x[0-9a-fA-F]+", key) and int(key, 16) in ts:
            return int(key, 16)
        raise gdb.GdbError("mica: no simulated thread '%s' (see `info mica-threads`)" % key)

    def tcb_of_ctx(self, ctx):
        for t in self.tcbs():
            if int(self.tcb(t)["ctx"]) == ctx:
                return t
        return 0

    def reply_waits_for(self, t):
        """The thread holding t's reply cap in its caller slot (summary.c waits_for)."""
        r = self.slot(t + TCB_REPLY * SLOT_BYTES)[6]
        if not r or self.slot(r)[0] != CAP_REPLY:
            return 0
        w = r & ~2047
        mtype, mobj, f1, f2, mword, _, _ = self.slot(w + TCB_REPLY * SLOT_BYTES)
        if r == w + TCB_CALLER * SLOT_BYTES and mtype == CAP_REPLY and mobj == w:
            return w
        return 0

    def slot_of(self, t, obj, types):
        """The slot of t's CSpace root CNode holding a cap to obj, or None."""
        ctype, cnode, radix, _, _, _, _ = self.slot(t + TCB_CTABLE * SLOT_BYTES)
        if ctype != CAP_CNODE or radix > 16:
            return None
        n = 1 << radix
        if cnode + n * SLOT_BYTES > self.size:
            return None
        data = self.read(cnode, n * SLOT_BYTES)
        for i in range(n):
            ct = data[i * SLOT_BYTES]
            if ct in types:
                hi, lo = struct.unpack_from("<BI", data, i * SLOT_BYTES + 3)
                if (hi << 36) | (lo << 4) == obj:
                    return i
        return None

    def state(self, t, running):
        st = int(self.tcb(t)["state"]["type"])
        name = STATE_NAMES[st] if st < len(STATE_NAMES) else "?(%d)" % st
        flags = int(self.tcb(t)["flags"])
        if st in (T_RUNNING, T_RESTART):
            if t in running:
                return "Running (stalled)" if flags & TCB_FLAG_STALLED else "Running"
            return "Ready" if st == T_RUNNING else "Ready (Restart)"
        if st == 0 and flags & TCB_FLAG_EXITED:
            return "Inactive (exited)"
        return name

    def waits_on(self, t):
        tc = self.tcb(t)
        st = int(tc["state"]["type"])
        obj = int(tc["state"]["blocking_object"])
        if st in (T_RECV, T_SEND):
            what = "endpoint 0x%x" % obj
            s = self.slot_of(t, obj, (CAP_ENDPOINT,))
            if s is not None:
                what += " (slot %d)" % s
            if st == T_SEND:
                what += ", badge %d" % int(tc["state"]["badge"])
            return what
        if st == T_NTFN:
            what = "notification 0x%x" % obj
            s = self.slot_of(t, obj, (CAP_NOTIFICATION,))
            if s is not None:
                what += " (slot %d)" % s
            return what
        if st == T_REPLY:
            w = self.reply_waits_for(t)
            if w:
                return "reply from '%s' (%s)" % (self.name(w), self.state(w, self.running()))
            return "reply"
        return ""


class InfoMicaThreads(gdb.Command):
    """info mica-threads: every simulated thread of the running mica system.

For each thread with a TCB cap: its number (for mica-bt), name, state, CPU
(the CPU it runs on, or its affinity), priority, and what it waits on - the
endpoint or notification (its physical address, and the slot in the
thread's own CSpace that holds a cap to it), or the thread that must reply.
States are seL4's, except that a runnable thread no CPU is running now
shows as Ready. '*' marks the threads whose task code a CPU runs now."""

    def __init__(self):
        super().__init__("info mica-threads", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        k = _Kernel()
        running = k.running()
        rows = []
        for i, t in enumerate(k.tcbs(), 1):
            tc = k.tcb(t)
            cpu = running.get(t, int(tc["affinity"]))
            rows.append(("*" if t in running else " ", str(i), k.name(t), k.state(t, running),
                         str(cpu), str(int(tc["priority"])), k.waits_on(t), "0x%x" % t))
        head = (" ", "Num", "Name", "State", "CPU", "Prio", "Waits on", "TCB")
        w = [max(len(r[c]) for r in rows + [head]) for c in range(len(head))]
        for r in [head] + rows:
            cols = [r[0], r[1].rjust(w[1]), r[2].ljust(w[2]), r[3].ljust(w[3]),
                    r[4].rjust(w[4]), r[5].rjust(w[5]), r[7].ljust(w[7]), r[6]]
            gdb.write(" ".join(cols).rstrip() + "\n")
        if not rows:
            gdb.write("no simulated threads\n")


# --- a simulated thread's stack -------------------------------------------------------

# glibc's x86_64 gregs indices (sys/ucontext.h REG_*).
_X86_GREGS = {"r8": 0, "r9": 1, "r10": 2, "r11": 3, "r12": 4, "r13": 5, "r14": 6, "r15": 7,
              "rdi": 8, "rsi": 9, "rbp": 10, "rbx": 11, "rdx": 12, "rax": 13, "rcx": 14,
              "rsp": 15, "rip": 16}


def _arch():
    return gdb.selected_frame().architecture().name()


def _word(addr):
    return struct.unpack("<Q", bytes(gdb.selected_inferior().read_memory(addr, 8)))[0]


def _parked_registers(c):
    """The registers of a parked context (sim/ctx.c struct ctx) as {name: value}."""
    arch = _arch()
    if int(c["kind"]) == 0:     # CTX_ASM: the frame mica_ctx_switch_asm pushed
        sp = int(c["sp"].cast(gdb.lookup_type("unsigned long")))
        if "x86-64" in arch:
            names = ["r15", "r14", "r13", "r12", "rbx", "rbp"]
            regs = {n: _word(sp + 8 + 8 * i) for i, n in enumerate(names)}
            regs["rip"] = _word(sp + 56)
            regs["rsp"] = sp + 64
            return regs
        if "aarch64" in arch:
            regs = {"x%d" % (19 + i): _word(sp + 8 * i) for i in range(10)}
            regs["x29"] = _word(sp + 80)
            regs["x30"] = _word(sp + 88)
            regs["pc"] = regs["x30"]
            regs["sp"] = sp + 176
            return regs
    else:                       # CTX_UC: a ucontext (getcontext, or a trap's signal frame)
        m = c["uc"]["uc_mcontext"]
        if "x86-64" in arch:
            g = m["gregs"]
            return {n: int(g[i]) & 0xffffffffffffffff for n, i in _X86_GREGS.items()}
        if "aarch64" in arch:
            regs = {"x%d" % i: int(m["regs"][i]) for i in range(31)}
            regs["sp"] = int(m["sp"])
            regs["pc"] = int(m["pc"])
            return regs
    raise gdb.GdbError("mica: mica-bt does not know this architecture (%s)" % arch)


def _backtrace_with(regs, bt_args):
    """Run `bt` with frame 0 of the selected host thread showing regs; then restore it."""
    gdb.newest_frame().select()
    frame = gdb.selected_frame()
    pc_name = "rip" if "rip" in regs else "pc"
    saved = {}
    extra = [r for r in ("orig_rax",) if "rip" in regs]
    for n in list(regs) + extra:
        try:
            saved[n] = int(frame.read_register(n))
        except (gdb.error, ValueError):
            pass
    try:
        for n, v in regs.items():
            if n != pc_name and n in saved:
                gdb.execute("set $%s = %d" % (n, v), to_string=True)
        gdb.execute("set $%s = %d" % (pc_name, regs[pc_name]), to_string=True)
        gdb.execute("bt %s" % bt_args, from_tty=False)
    finally:
        # The pc first: writing it also cancels a system call's restart (orig_rax), put back after.
        gdb.execute("set $%s = %d" % (pc_name, saved[pc_name]), to_string=True)
        for n, v in saved.items():
            if n != pc_name:
                gdb.execute("set $%s = %d" % (n, v), to_string=True)
        gdb.newest_frame().select()


class MicaBt(gdb.Command):
    """mica-bt THREAD [bt options]: the backtrace of a simulated thread.

THREAD is a name, a number or a TCB address from `info mica-threads`. A
thread that a CPU is running now shows the stack of that CPU's host thread.
A parked thread (ready, blocked, preempted, stopped by a fault) shows the
stack saved when it left its CPU: the registers kept by the context switch
or by the trap, set for the moment into the selected host thread's
innermost frame and restored afterwards. Options after the name go to `bt`
(e.g. `mica-bt server full`)."""

    def __init__(self):
        super().__init__("mica-bt", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args:
            raise gdb.GdbError("usage: mica-bt THREAD [bt options]")
        k = _Kernel()
        t = k.find(args[0])
        bt_args = " ".join(args[1:])
        name = k.name(t)
        ctx = int(k.tcb(t)["ctx"])
        if ctx < 0:
            gdb.write("thread '%s' has no stack: it never started\n" % name)
            return
        try:
            c = gdb.parse_and_eval("ctxs")[ctx]
        except gdb.error as e:
            raise gdb.GdbError("mica: cannot find the simulator's contexts (%s)" % e)
        running = k.running()
        if t in running and not int(c["resume_in_task"]):
            cpu = running[t]
            tid = int(gdb.parse_and_eval("sim_cpus[%d].tid" % cpu))
            for th in gdb.selected_inferior().threads():
                if th.ptid[1] == tid:
                    gdb.write("thread '%s' runs on CPU %d (gdb thread %d):\n" % (name, cpu, th.num))
                    old = gdb.selected_thread()
                    th.switch()
                    try:
                        gdb.execute("bt %s" % bt_args, from_tty=False)
                    finally:
                        old.switch()
                    return
            raise gdb.GdbError("mica: CPU %d's host thread is not found" % cpu)
        if int(k.tcb(t)["flags"]) & TCB_FLAG_START or int(c["fresh"]):
            gdb.write("thread '%s' has not run yet: it starts at %s\n" %
                      (name, _symbol(int(k.tcb(t)["regs"][0]))))
            return
        if int(c["kind"]) == 0 and not int(c["sp"].cast(gdb.lookup_type("unsigned long"))):
            gdb.write("thread '%s' has no saved stack\n" % name)
            return
        how = "stopped in task code by a trap or preemption" if int(c["resume_in_task"]) else \
            "parked in the kernel"
        gdb.write("thread '%s' (%s):\n" % (name, how))
        _backtrace_with(_parked_registers(c), bt_args)
        where = int(c["resume_where"])
        if where:
            # signals.c: abort() cannot return, so its resumption was redirected.
            gdb.write("(it resumes in sigs_abort_resumed, which stops it: it called abort() "
                      "at %s)\n" % _symbol(where - 1))


def _setup():
    _handle_signals()
    if getattr(gdb, "_mica_script_loaded", False):
        return      # sourced again: the commands are replaced, the breakpoint and skip kept
    gdb._mica_script_loaded = True
    _break_on_internal_error()
    # Task code built with mica's preempt flags calls this at every basic block
    # (sim/clock.c): `step` would stop in it at every line.
    gdb.execute("skip function __sanitizer_cov_trace_pc", to_string=True)


_setup()
InfoMicaThreads()
MicaBt()
StopOnFaults()
