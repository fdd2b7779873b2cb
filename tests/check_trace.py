#!/usr/bin/env python3
"""check_trace.py MICA [pager|cpus|supervisor] - run `MICA run echo --trace FILE` and check the file.

The Chrome Trace Event JSON must parse, name the threads, and hold IPC flow
events: a flow start ("ph":"s") on a client's track whose matching finish
("ph":"f", same id) is on the server's track, and the reverse for replies.

With `cpus`, run echo on two CPUs (its clients are spread over them): the
trace must name a process per CPU and show threads running on CPU 1.

With `pager`, run the pager example instead: the client's track must hold
one "VM fault" instant per page it touched (65: 64 pages in a row and one
at 640 GiB), each naming the pager's
endpoint and the client_main+offset that faulted, and followed by a fault
message flow to the pager and a reply flow back.

With `supervisor`, the crashing server's "user exception" instants must name
the supervisor's endpoint and a symbolised pc.

Every trace must also keep the rules of check_rules (one name per track,
events under the CPU whose track holds the thread, no host addresses).
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def trace_text(mica, system, extra=()):
    fd, path = tempfile.mkstemp(prefix="mica-trace-", suffix=".json")
    os.close(fd)
    try:
        run = subprocess.run([mica, "run", system, "--trace", path, *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"mica run {system} --trace exited {run.returncode}: {run.stderr}")
        with open(path) as f:
            return f.read()
    finally:
        os.unlink(path)


def load_trace(mica, system, extra=()):
    events = json.loads(trace_text(mica, system, extra))      # raises if it is not JSON
    if not isinstance(events, list) or not events:
        sys.exit("the trace is not a non-empty JSON array")
    names = {e["tid"]: e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    return events, names


SYMBOL = re.compile(r"^[A-Za-z_.$][\w.$@]*\+0x[0-9a-f]+$")


def check_rules(events):
    """Rules every trace keeps, whatever the system and number of CPUs.

    - Each track (pid, tid) gets its thread_name once (again only if renamed).
    - Every pid that has events has a process_name.
    - Events about a thread go under the pid (CPU) whose track holds it: the
      CPU it was last switched in on ("B" running slice).
    - Fault instants say where the fault went (endpoint, badge) and their pc
      as function+offset; no detail holds a host address "pc 0x...".
    """
    named = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            key = (e["pid"], e["tid"])
            if named.get(key) == e["args"]["name"]:
                sys.exit(f"thread_name of track {key} ({named[key]!r}) written twice")
            named[key] = e["args"]["name"]
    procs = {e["pid"] for e in events if e.get("ph") == "M" and e.get("name") == "process_name"}
    used = {e["pid"] for e in events if "pid" in e}
    if used - procs:
        sys.exit(f"pids without a process_name: {sorted(used - procs)}")
    home = {}
    for e in events:
        ph = e.get("ph")
        if ph == "B":
            home[e["tid"]] = e["pid"]
        elif ph in ("i", "s", "f") and e.get("cat") != "irq" and e.get("cat") != "device":
            if e["tid"] in home and e["pid"] != home[e["tid"]]:
                sys.exit(f"event under pid {e['pid']} for a thread whose track is on pid "
                         f"{home[e['tid']]}: {e}")
            if e["tid"] != 0 and (e["pid"], e["tid"]) not in named:
                sys.exit(f"event on an unnamed track: {e}")
        if ph == "i" and e.get("cat") == "fault" and e["name"] != "escape":
            args = e["args"]
            if "endpoint" not in args or "badge" not in args:
                sys.exit(f"fault instant without its endpoint and badge: {e}")
            if "pc" in args and not SYMBOL.match(args["pc"]):
                sys.exit(f"fault pc is not function+offset: {e}")
        if "pc 0x" in str(e.get("args", {}).get("detail", "")):
            sys.exit(f"a host address in a detail: {e}")


def check_pager(mica):
    events, names = load_trace(mica, "pager")
    check_rules(events)
    client = [t for t, n in names.items() if n == "client"]
    faults = [e for e in events if e.get("ph") == "i" and e.get("cat") == "fault"]
    if len(faults) != 65 or any(e["tid"] not in client or e["name"] != "VM fault" for e in faults):
        sys.exit(f"expected 65 VM fault instants on the client's track, got {len(faults)}")
    ipc = [e for e in events if e.get("ph") == "i" and e.get("cat") == "ipc"]
    sent = [e for e in ipc if e["name"] == "fault message" and names.get(e["tid"]) == "client"
            and e["args"]["to"] == "pager"]
    replies = [e for e in ipc if e["name"] == "fault reply (restart)"
               and names.get(e["tid"]) == "pager" and e["args"]["to"] == "client"]
    if len(sent) != 65 or len(replies) != 65:
        sys.exit(f"expected 65 fault messages and 65 replies, got {len(sent)} and {len(replies)}")
    # Each fault instant names the endpoint and badge its fault message then goes through.
    for f, m in zip(faults, sent):
        if f["args"]["endpoint"] == "0x0" or f["args"]["endpoint"] != m["args"]["endpoint"] \
                or f["args"]["badge"] != m["args"]["badge"]:
            sys.exit(f"fault instant {f['args']} does not match its fault message {m['args']}")
        if not f["args"].get("pc", "").startswith("client_main+0x"):
            sys.exit(f"fault pc not symbolised as client_main+offset: {f['args']}")
    starts = {e["id"] for e in events if e.get("ph") == "s"}
    finishes = {e["id"] for e in events if e.get("ph") == "f"}
    if starts != finishes:
        sys.exit("flow events: every 's' needs one 'f' with the same id")
    print(f"trace ok: {len(events)} events, {len(faults)} VM faults, {len(replies)} fault replies")


def check_cpus(mica):
    events, names = load_trace(mica, "echo", ("--cpus", "2", "--check", "each"))
    check_rules(events)
    procs = {e["pid"]: e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "process_name"}
    if procs.get(0) != "cpu0" or procs.get(1) != "cpu1":
        sys.exit(f"expected processes cpu0 and cpu1, got {procs}")
    on1 = {names.get(e["tid"]) for e in events
           if e.get("ph") == "B" and e.get("name") == "running" and e.get("pid") == 1}
    if "client1" not in on1:
        sys.exit(f"client1 (affinity 1) never ran on CPU 1; threads that did: {sorted(map(str, on1))}")
    opened = {}
    for e in events:                   # every running slice closes on the CPU it opened on
        if e.get("ph") == "B":
            opened[(e["pid"], e["tid"])] = opened.get((e["pid"], e["tid"]), 0) + 1
        elif e.get("ph") == "E":
            opened[(e["pid"], e["tid"])] = opened.get((e["pid"], e["tid"]), 0) - 1
    if any(v != 0 for v in opened.values()):
        sys.exit(f"unbalanced running slices per CPU: {opened}")
    print(f"trace ok: {len(events)} events on {len(procs)} CPUs; on CPU 1: {sorted(map(str, on1))}")


def check_supervisor(mica):
    events, names = load_trace(mica, "supervisor")
    check_rules(events)
    faults = [e for e in events if e.get("ph") == "i" and e.get("cat") == "fault"]
    sent = {e["args"]["endpoint"] for e in events if e.get("ph") == "i" and e.get("cat") == "ipc"
            and e["name"] == "fault message" and e["args"]["to"] == "supervisor"}
    if not faults or len(sent) != 1:
        sys.exit(f"expected faults sent to the supervisor, got {len(faults)} faults, endpoints {sent}")
    for f in faults:
        if f["args"]["endpoint"] not in sent or not SYMBOL.match(f["args"].get("pc", "")):
            sys.exit(f"fault instant without the supervisor's endpoint or a symbolised pc: {f}")
    # Two processes load the program at different host addresses: the traces are still the same.
    if trace_text(mica, "supervisor") != trace_text(mica, "supervisor"):
        sys.exit("two runs of supervisor gave different traces")
    print(f"trace ok: {len(faults)} faults to endpoint {sent.pop()}, pc {faults[0]['args']['pc']}")


def main():
    mica = sys.argv[1]
    if sys.argv[2:] == ["supervisor"]:
        check_supervisor(mica)
        return
    if sys.argv[2:] == ["cpus"]:
        check_cpus(mica)
        return
    if sys.argv[2:] == ["pager"]:
        check_pager(mica)
        return
    events, names = load_trace(mica, "echo")
    check_rules(events)
    for want in ("root", "server", "client1", "client2", "client3"):
        if want not in names.values():
            sys.exit(f"no thread named {want!r} in the trace (threads: {sorted(names.values())})")

    starts = {e["id"]: e for e in events if e.get("ph") == "s"}
    finishes = {e["id"]: e for e in events if e.get("ph") == "f"}
    if not starts or set(starts) != set(finishes):
        sys.exit("flow events: every 's' needs one 'f' with the same id")
    pairs = {(names.get(starts[i]["tid"]), names.get(finishes[i]["tid"])) for i in starts}
    for client in ("client1", "client2", "client3"):
        if (client, "server") not in pairs:
            sys.exit(f"no IPC flow from {client} to server; flows: {sorted(pairs)}")
        if ("server", client) not in pairs:
            sys.exit(f"no IPC flow (reply) from server to {client}; flows: {sorted(pairs)}")
    for e in events:
        if e.get("ph") in ("s", "f", "B", "E", "i") and not isinstance(e.get("ts"), (int, float)):
            sys.exit(f"event without a timestamp: {e}")
    print(f"trace ok: {len(events)} events, {len(starts)} IPC flows, threads {sorted(names.values())}")


if __name__ == "__main__":
    main()
