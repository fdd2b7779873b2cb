#!/usr/bin/env python3
"""mica's gdb support: `mica-gdb` and the script's commands on stopped runs.

check_gdb.py MICA-GDB MICA MICA-BUGGY

  - echo, stopped in the server: `info mica-threads` lists every thread with
    its state (the server Running, client3 BlockedOnReply waiting for the
    server, the other clients Ready, root exited), and `mica-bt client3`
    shows the parked client inside mica_call, called from client();
  - echo, stopped in the first client: the server BlockedOnReceive on its
    endpoint, named by slot;
  - pager, stopped in the pager's fault handler: the faulting client's
    stack, saved by the trap, ends in client_main; continued, the run ends
    normally: none of its 65 VM faults stops gdb;
  - pager with the real clock (SIGALRM preemption) runs to the end;
  - the commands say so, without a crash, when there is no system;
  - `mica-stop-on-faults on` stops at a worker's NULL write (mica-buggy
    worker-crashes), names it, and `mica-bt` shows the crashing line.

Exit 77 (skipped) when gdb is missing or may not trace a process here.
"""
import re
import shutil
import subprocess
import sys

SKIP = 77


def gdb_run(mica_gdb, cmds, args, timeout=120):
    argv = [mica_gdb, "-batch", "-nx"]
    for c in cmds:
        argv += ["-ex", c]
    p = subprocess.run(argv + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, text=True, errors="replace")
    return p.stdout


failures = []


def check(cond, what, out):
    if not cond:
        failures.append(what)
        print("FAIL: %s\n--- gdb output ---\n%s\n---" % (what, out))


def row(out, name):
    """The `info mica-threads` row of a thread: (marker, state, rest)."""
    m = re.search(r"^([ *])\s+\d+ %s\s+(\S+(?: \([^)]*\))?)\s+(.*)$" % re.escape(name), out, re.M)
    return (m.group(1), m.group(2), m.group(3)) if m else (None, None, "")


def main():
    mica_gdb, mica, buggy = sys.argv[1], sys.argv[2], sys.argv[3]
    if not shutil.which("gdb"):
        print("gdb is not installed: skipped")
        return SKIP
    probe = subprocess.run(["gdb", "-batch", "-nx", "-ex", "run", "--args", "/bin/true"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=60).stdout
    if "exited normally" not in probe:
        print("gdb cannot run a program here (ptrace refused?): skipped\n" + probe)
        return SKIP

    # 1. echo, stopped in the server with client3's request in hand.
    out = gdb_run(mica_gdb, ["break echo.c:get_text", "run", "info mica-threads",
                             "mica-bt client3", "mica-bt client1", "mica-bt server"],
                  [mica, "run", "echo"])
    check(row(out, "server")[:2] == ("*", "Running"), "server is Running (marked *)", out)
    m, st, rest = row(out, "client3")
    check(st == "BlockedOnReply" and "reply from 'server' (Running)" in rest,
          "client3 BlockedOnReply, waiting for the server", out)
    check(row(out, "client1")[1] == "Ready (Restart)", "client1 Ready", out)
    check(row(out, "root")[1] == "Inactive (exited)", "root exited", out)
    check(re.search(r"thread 'client3' \(parked in the kernel\):\n(#.*\n)*#\d+ .*mica_call .*\n"
                    r"#\d+ .* in client \(id=3\) at .*echo\.c", out),
          "mica-bt client3: mica_call called from client(id=3)", out)
    check("thread 'client1' has not run yet" in out, "mica-bt client1: not started", out)
    check(re.search(r"thread 'server' runs on CPU 0 \(gdb thread \d+\):\n#0 .*get_text", out),
          "mica-bt server: the running CPU's stack", out)

    # 2. echo, stopped in the first client: the server waits on its endpoint.
    out = gdb_run(mica_gdb, ["break echo.c:client", "run", "info mica-threads", "mica-bt server"],
                  [mica, "run", "echo"])
    m, st, rest = row(out, "server")
    check(st == "BlockedOnReceive" and re.search(r"endpoint 0x[0-9a-f]+ \(slot \d+\)", rest),
          "server BlockedOnReceive on an endpoint named by slot", out)
    check(re.search(r"#\d+ .*mica_recv .*\n#\d+ .* in server \(", out),
          "mica-bt server: mica_recv called from server()", out)

    # 3. pager: the trapped client's stack, then the run to its end.
    out = gdb_run(mica_gdb, ["break pager.c:serve_fault", "run", "info mica-threads",
                             "mica-bt client", "delete", "continue"],
                  [mica, "run", "pager"])
    m, st, rest = row(out, "client")
    check(st == "BlockedOnReply" and "reply from 'pager'" in rest,
          "the faulting client waits for the pager", out)
    check(re.search(r"thread 'client' \(stopped in task code by a trap or preemption\):\n"
                    r"#0 .* in client_main \(", out),
          "mica-bt client: the trapped client_main", out)
    check("served 65 faults" in out and "exited normally" in out,
          "pager continues to its normal end", out)
    check("received signal" not in out, "no signal stops gdb", out)

    # 4. The real clock's ticks do not stop gdb either.
    out = gdb_run(mica_gdb, ["run"], [mica, "run", "pager", "--clock", "real"])
    check("served 65 faults" in out and "exited normally" in out and
          "received signal" not in out, "pager --clock real runs to its end", out)

    # 5. No system: a message, no Python traceback.
    out = gdb_run(mica_gdb, ["info mica-threads", "mica-bt server"], [mica, "run", "echo"])
    check("mica: no system is running" in out and "Traceback" not in out,
          "no system: a plain message", out)

    # 6. Stopping where task code crashes.
    out = gdb_run(mica_gdb, ["mica-stop-on-faults on", "run", "mica-bt worker",
                             "mica-stop-on-faults off", "continue"], [buggy, "worker-crashes"])
    check("mica: thread 'worker' crashed (host signal 11 at worker+" in out,
          "stop-on-faults names the crashed worker", out)
    check(re.search(r"thread 'worker' \(stopped in task code by a trap or preemption\):\n"
                    r"#0 .* in worker \(.*crash\.c", out),
          "mica-bt worker: the crashing line", out)
    check("the root task carries on" in out and "exited with code 05" in out,
          "continued, the run ends as without gdb", out)

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("gdb: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
