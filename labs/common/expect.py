#!/usr/bin/env python3
"""expect.py CHECKER PROGRAM TASK TEXT: a checker must reject PROGRAM at TASK.

Runs the checker on the program and passes when it exits 1, every task
before TASK is ok, and TASK's line is "TASK n FAIL: ..." containing TEXT:
the checker catches that mistake, and says what the student must fix.
For a starter, TASK is 1 and TEXT "not done yet".
"""
import re
import subprocess
import sys


def main(argv):
    if len(argv) != 5:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 64
    checker, program, task, text = argv[1], argv[2], int(argv[3]), argv[4]
    p = subprocess.run([checker, program], capture_output=True, text=True, timeout=600)
    # The checker's own Check-style summary is about the program, not this test: not echoed.
    for line in p.stdout.splitlines():
        if not re.match(r"^\d+%: Checks: ", line):
            print(line)
    if p.stderr:
        print(p.stderr, end="", file=sys.stderr)
    lines = p.stdout.splitlines()
    bad = []
    if p.returncode != 1:
        bad.append(f"the checker exited {p.returncode}, not 1")
    for t in range(1, task):
        if f"TASK {t} ok" not in lines:
            bad.append(f"TASK {t} should pass before the mistake in TASK {task}")
    fail = [l for l in lines if l.startswith(f"TASK {task} FAIL: ")]
    if not fail:
        bad.append(f"no 'TASK {task} FAIL' line")
    elif text not in fail[0]:
        bad.append(f"TASK {task}'s line does not say '{text}'")
    for b in bad:
        print(f"expect: {b}")
    # One check, in Check's summary format (scripts/test.sh counts these).
    print("100%: Checks: 1, Failures: 0, Errors: 0" if not bad else
          "0%: Checks: 1, Failures: 1, Errors: 0")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
