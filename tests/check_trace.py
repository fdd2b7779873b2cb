#!/usr/bin/env python3
"""check_trace.py MICA - run `MICA run echo --trace FILE` and check the file.

The Chrome Trace Event JSON must parse, name the threads, and hold IPC flow
events: a flow start ("ph":"s") on a client's track whose matching finish
("ph":"f", same id) is on the server's track, and the reverse for replies.
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    mica = sys.argv[1]
    fd, path = tempfile.mkstemp(prefix="mica-trace-", suffix=".json")
    os.close(fd)
    try:
        run = subprocess.run([mica, "run", "echo", "--trace", path],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"mica run echo --trace exited {run.returncode}: {run.stderr}")
        with open(path) as f:
            events = json.load(f)          # raises if it is not JSON
    finally:
        os.unlink(path)

    if not isinstance(events, list) or not events:
        sys.exit("the trace is not a non-empty JSON array")
    names = {e["tid"]: e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
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
