#!/usr/bin/env python3
"""test_labgen.py LABGEN: tools/labgen.py's variants, its errors (file:line)
and --tree. Prints a line per check and a summary in Check's format."""
import os
import subprocess
import sys
import tempfile

LABGEN = sys.argv[1]
results = []


def check(name, cond, detail=""):
    results.append(cond)
    print(f"{'ok' if cond else 'FAIL'}: {name}{'' if cond else ': ' + detail}")


def run(*args):
    return subprocess.run([sys.executable, LABGEN, *args], capture_output=True, text=True)


SRC = """int x;
    //@ solution 1
    x = 1;
    //@ starter 1
    lab_todo(1, "set x");
    //@ wrong off-by-one 1
    x = 2;
    //@ end
    //@ solution 2
    y = 1;
    //@ wrong off-by-one 2
    y = 0;
    //@ wrong forgot 2
    //@ end
done
"""

with tempfile.TemporaryDirectory() as d:
    src = os.path.join(d, "lab.c")
    open(src, "w").write(SRC)

    def variant(v):
        out = os.path.join(d, "out.c")
        p = run("--variant", v, src, out)
        return p, (open(out).read() if p.returncode == 0 else "")

    p, t = variant("solution")
    check("solution keeps the solution parts", t == "int x;\n    x = 1;\n    y = 1;\ndone\n", repr(t))
    p, t = variant("starter")
    check("starter keeps the starter parts; a block without one disappears",
          t == 'int x;\n    lab_todo(1, "set x");\ndone\n', repr(t))
    p, t = variant("wrong:off-by-one")
    check("a wrong variant replaces every block it has", t == "int x;\n    x = 2;\n    y = 0;\ndone\n",
          repr(t))
    p, t = variant("wrong:forgot")
    check("a wrong part may be empty; other blocks keep the solution",
          t == "int x;\n    x = 1;\ndone\n", repr(t))
    out = os.path.join(d, "lines.c")
    p = run("--lines", "--variant", "wrong:forgot", src, out)
    t = open(out).read() if p.returncode == 0 else ""
    check("--lines keeps the source's line numbers",
          t == f'#line 1 "{src}"\nint x;\n#line 3 "{src}"\n    x = 1;\n#line 15 "{src}"\ndone\n', repr(t))
    p = run("--wrong", src)
    check("--wrong lists the mistakes in order", p.stdout == "off-by-one\nforgot\n", p.stdout)
    p, t = variant("wrong:nope")
    check("an unknown variant is refused naming the ones there are",
          p.returncode == 1 and "no variant 'wrong:nope'" in p.stderr and "off-by-one forgot" in p.stderr,
          p.stderr)

    bad = {
        "x\n//@ starter 1\n": ":2: '//@ starter' outside a '//@ solution' block",
        "//@ solution 1\n//@ solution 2\n": ":2: a block starts inside the block of line 1",
        "//@ solution 1\nx\n": ":1: the block has no '//@ end'",
        "//@ end\n": ":1: '//@ end' without a block",
        "//@ solution one\n": ":1: want '//@ solution TASK'",
        "//@ solution 1\n//@ starter 2\n//@ end\n": ":2: want '//@ starter 1'",
        "//@ solution 1\n//@ wrong Bad 1\n//@ end\n": ":2: want '//@ wrong NAME 1' (NAME: a-z, 0-9, -)",
        "//@ solution 1\n//@ starter 1\n//@ starter 1\n//@ end\n": ":3: the block of line 1 already has a starter part",
    }
    for text, msg in bad.items():
        b = os.path.join(d, "bad.c")
        open(b, "w").write(text)
        p = run("--variant", "solution", b, os.path.join(d, "o.c"))
        check(f"refused with '{msg}'", p.returncode == 1 and p.stderr == f"labgen: {b}{msg}\n", p.stderr)
    p = run("--variant", "solution", os.path.join(d, "missing.c"), os.path.join(d, "o.c"))
    check("a missing file is one line", p.returncode == 1 and "missing.c: No such file" in p.stderr,
          p.stderr)
    p = run("--frob")
    check("bad arguments print the usage, exit 64", p.returncode == 64 and "usage:" in p.stderr)

    tree = os.path.join(d, "labs")
    os.makedirs(os.path.join(tree, "01-x"))
    open(os.path.join(tree, "01-x", "lab.c"), "w").write(SRC)
    open(os.path.join(tree, "01-x", "wrong.txt"), "w").write("# keep\noff-by-one|1|x\n")
    open(os.path.join(tree, "01-x", "README.md"), "w").write("readme\n")
    out = os.path.join(d, "out")
    p = run("--tree", "starter", tree, out)
    check("--tree writes the starter", p.returncode == 0 and
          open(os.path.join(out, "01-x", "lab.c")).read() == 'int x;\n    lab_todo(1, "set x");\ndone\n')
    check("--tree keeps other files", open(os.path.join(out, "01-x", "README.md")).read() == "readme\n")
    check("--tree drops the wrong solutions' list",
          open(os.path.join(out, "01-x", "wrong.txt")).read() == "# keep\n")
    check("--tree marks the tree ONE_VARIANT", os.path.exists(os.path.join(out, "ONE_VARIANT")))

n, f = len(results), results.count(False)
print(f"{(n - f) * 100 // n}%: Checks: {n}, Failures: {f}, Errors: 0")
sys.exit(1 if f else 0)
