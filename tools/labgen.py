#!/usr/bin/env python3
"""labgen - one lab source, several programs: the student's starter, the
reference solution, and wrong solutions that the lab's checker must reject.

A lab's source holds every variant, in blocks of whole lines:

    //@ solution 3            the reference code of TASK 3
    ...
    //@ starter 3             what the student starts from (optional)
    ...
    //@ wrong no-ack 3        a typical mistake (optional, any number)
    ...
    //@ end

Lines outside blocks are in every variant. A variant keeps, of each block,
its starter part (`starter`), its solution part (`solution`), or the part
of the named mistake where the block has one and the solution part
elsewhere (`wrong:NAME`).

    labgen.py [--lines] --variant starter|solution|wrong:NAME IN OUT
                                         (--lines: #line directives, so
                                         messages and gdb name IN's lines)
    labgen.py --wrong IN                 the mistakes IN holds, one per line
    labgen.py --tree starter|solution SRC DST
                                         every file of the labs tree SRC into
                                         DST as that variant (the tree to give
                                         students), without the wrong solutions,
                                         and a file ONE_VARIANT that tells
                                         labs/meson.build so
Errors are `file:line: message`, exit status 1.
"""
import os
import re
import shutil
import sys

MARK = re.compile(r"^\s*//@\s*(solution|starter|wrong|end)\b\s*(.*)$")


class LabError(Exception):
    pass


def parse(path, text):
    """The source as a list of items: a plain line (with its number), or a
    block {kind: [(number, line)]}."""
    items, block, part = [], None, None
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        m = MARK.match(line)
        if not m:
            if block is None:
                items.append((n, line))
            else:
                block[part].append((n, line))
            continue
        kind, rest = m.group(1), m.group(2).split()
        where = f"{path}:{n}"
        if kind == "solution":
            if block is not None:
                raise LabError(f"{where}: a block starts inside the block of line {block['line']}")
            if len(rest) != 1 or not rest[0].isdigit():
                raise LabError(f"{where}: want '//@ solution TASK'")
            block = {"line": n, "task": rest[0], "solution": []}
            part = "solution"
        elif kind in ("starter", "wrong"):
            if block is None:
                raise LabError(f"{where}: '//@ {kind}' outside a '//@ solution' block")
            if kind == "starter":
                if rest != [block["task"]]:
                    raise LabError(f"{where}: want '//@ starter {block['task']}'")
                part = "starter"
            else:
                if len(rest) != 2 or rest[1] != block["task"] or not re.match(r"^[a-z0-9-]+$", rest[0]):
                    raise LabError(f"{where}: want '//@ wrong NAME {block['task']}' (NAME: a-z, 0-9, -)")
                part = "wrong:" + rest[0]
            if part in block:
                raise LabError(f"{where}: the block of line {block['line']} already has a {part} part")
            block[part] = []
        else:
            if block is None or rest:
                raise LabError(f"{where}: '//@ end' without a block")
            items.append(block)
            block = None
    if block is not None:
        raise LabError(f"{path}:{block['line']}: the block has no '//@ end'")
    return items


def emit(items, variant, lines_of=None):
    """The variant's text. With lines_of (the source's path), #line directives
    keep every line's number and file as in the source, for the compiler's
    messages, fault reports and gdb."""
    out, expect = [], 1
    if lines_of:
        out.append(f'#line 1 "{lines_of}"\n')
    for it in items:
        if isinstance(it, tuple):
            chosen = [it]
        elif variant == "starter":
            chosen = it.get("starter", [])
        elif variant.startswith("wrong:") and variant in it:
            chosen = it[variant]
        else:
            chosen = it["solution"]
        for n, line in chosen:
            if lines_of and n != expect:
                out.append(f'#line {n} "{lines_of}"\n')
            out.append(line)
            expect = n + 1
    return "".join(out)


def wrongs(items):
    names = []
    for it in items:
        if isinstance(it, dict):
            names += [k[6:] for k in it if k.startswith("wrong:") and k[6:] not in names]
    return names


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == "--wrong":
            print("\n".join(wrongs(parse(argv[2], read(argv[2])))))
            return 0
        lines = len(argv) == 6 and argv[1] == "--lines"
        if lines:
            argv = argv[:1] + argv[2:]
        if len(argv) == 5 and argv[1] == "--variant":
            items = parse(argv[3], read(argv[3]))
            variant = argv[2]
            if variant not in ("starter", "solution") and not (
                    variant.startswith("wrong:") and variant[6:] in wrongs(items)):
                raise LabError(f"{argv[3]}: no variant '{variant}' (starter, solution, "
                               f"or wrong:NAME of: {' '.join(wrongs(items)) or 'none'})")
            with open(argv[4], "w", encoding="utf-8") as f:
                f.write(emit(items, variant, os.path.abspath(argv[3]) if lines else None))
            return 0
        if len(argv) == 5 and argv[1] == "--tree" and argv[2] in ("starter", "solution"):
            src, dst = argv[3], argv[4]
            for root, _, files in os.walk(src):
                for name in sorted(files):
                    s = os.path.join(root, name)
                    d = os.path.join(dst, os.path.relpath(s, src))
                    os.makedirs(os.path.dirname(d), exist_ok=True)
                    if name.endswith((".c", ".h")):
                        with open(d, "w", encoding="utf-8") as f:
                            f.write(emit(parse(s, read(s)), argv[2]))
                    elif name == "wrong.txt":
                        # The wrong solutions stay with the instructor: only the comments go.
                        with open(d, "w", encoding="utf-8") as f:
                            f.write("".join(l for l in read(s).splitlines(keepends=True)
                                            if l.startswith("#")))
                    else:
                        shutil.copyfile(s, d)
            # A tree of one variant: labs/meson.build then checks the program as it is.
            with open(os.path.join(dst, "ONE_VARIANT"), "w", encoding="utf-8") as f:
                f.write(f"This labs tree holds the {argv[2]} only (tools/labgen.py --tree).\n")
            return 0
    except LabError as e:
        print(f"labgen: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"labgen: {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    print("usage: labgen.py [--lines] --variant starter|solution|wrong:NAME IN OUT | --wrong IN | "
          "--tree starter|solution SRC DST", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
