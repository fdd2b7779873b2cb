#!/usr/bin/env python3
"""check_doc_example.py DOC SOURCE PROGRAM [NAME]

A worked example of a doc page is a real program: DOC must show SOURCE,
word for word, as one ```c block, and an output block

    ```
    $ ./NAME
    line...
    ```

(NAME: PROGRAM's file name unless given) whose lines are exactly what
PROGRAM (SOURCE built) prints on stdout; the program must exit 0. The
last line is a summary in Check's format, which scripts/test.sh counts.
"""
import os
import re
import subprocess
import sys


def blocks(text):
    """(info string, content) of every fenced code block."""
    return [(m.group(1).strip(), m.group(2))
            for m in re.finditer(r"^```([^\n]*)\n(.*?)^```\s*$", text, re.M | re.S)]


def main():
    doc, source, program = sys.argv[1:4]
    name = sys.argv[4] if len(sys.argv) > 4 else os.path.basename(program)
    text = open(doc, encoding="utf-8").read()
    code = open(source, encoding="utf-8").read()
    problems = []

    if not any(info == "c" and content == code for info, content in blocks(text)):
        problems.append(f"{doc} has no ```c block that is {source} word for word")

    want = None
    for info, content in blocks(text):
        lines = content.split("\n")
        if info == "" and lines[0].rstrip() == "$ ./" + name:
            want = "\n".join(lines[1:])
            break
    if want is None:
        problems.append(f"{doc} has no output block starting with '$ ./{name}'")

    r = subprocess.run([program], capture_output=True, text=True, timeout=60)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        problems.append(f"{program} exited with status {r.returncode}")
    if want is not None and r.stdout != want:
        problems.append(f"{program} printed\n{r.stdout}but {doc} shows\n{want}")

    for p in problems:
        print(p)
    print(f"100%: Checks: 1, Failures: {1 if problems else 0}, Errors: 0")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
