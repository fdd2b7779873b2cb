#!/usr/bin/env python3
"""Run one of the seL4 test programs of this directory and pass only when it
exited 0 and printed its TAP plan ("1..N", printed when main returns) with N
"ok" lines and no "not ok": a root task that never got back to main's end
(blocked for ever, so the system went idle with status 0) fails too."""
import re
import subprocess
import sys

r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True, errors='replace')
sys.stdout.write(r.stdout)
lines = r.stdout.splitlines()
plans = [int(m.group(1)) for m in (re.match(r'^1\.\.(\d+)$', l) for l in lines) if m]
oks = sum(1 for l in lines if re.match(r'^ok \d+ ', l))
bad = [l for l in lines if l.startswith('not ok')]
why = None
if r.returncode != 0:
    why = f'exit status {r.returncode}'
elif len(plans) != 1:
    why = 'no plan line: main did not return'
elif bad or oks != plans[0]:
    why = f'{oks} of {plans[0]} checks passed'
if why:
    print(f'FAILED: {why}')
    sys.exit(1)
print(f'passed: {oks} checks')
