#!/usr/bin/env python3
"""The documentation check: check_docs.py SOURCE_ROOT

  links     every relative link in README.md and docs/*.md names a file that
            exists, and a #anchor names a heading of that file (GitHub's
            slugs: lowercase, punctuation but '-' and '_' dropped, spaces
            become '-', a repeated heading gets -1, -2, ...);
  api       every mica_* function and function-like macro the installed
            public headers declare (the install_headers lists of
            include/meson.build and include/sel4/meson.build) is named in
            docs/api.md; each missing name is printed;
  excerpts  a code block after a line <!-- excerpt: PATH --> quotes the file
            PATH (from the source root) word for word: its pieces between
            lines "..." occur in that file, in that order;
  words     no doc speaks of its own making: "this session", "this stop",
            "issue <number>".

Each of the four is one check; the last line is a summary in Check's format,
which scripts/test.sh counts, and the exit status is 0 only when all pass.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
ROOT = os.path.abspath(ROOT)


def doc_files():
    files = [os.path.join(ROOT, "README.md")]
    docs = os.path.join(ROOT, "docs")
    for dirpath, _, names in os.walk(docs):
        files += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(".md")]
    return [f for f in files if os.path.isfile(f)]


def rel(path):
    return os.path.relpath(path, ROOT)


def strip_code(text):
    """The text without fenced code blocks and inline code (links there are not links)."""
    out, fence = [], None
    for line in text.split("\n"):
        m = re.match(r"^\s*(```+|~~~+)", line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * 3
            elif line.strip().startswith(fence):
                fence = None
            out.append("")
            continue
        out.append("" if fence else re.sub(r"`[^`]*`", "", line))
    return "\n".join(out)


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)      # keep letters, digits, '_', '-', spaces
    return s.replace(" ", "-")


def anchors(path):
    found, seen = set(), {}
    for line in strip_code(open(path, encoding="utf-8").read()).split("\n"):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(re.sub(r"`", "", m.group(1)))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
        for a in re.findall(r'<a\s+(?:name|id)="([^"]+)"', line):
            found.add(a)
    return found


def check_links():
    bad = []
    link = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
    for f in doc_files():
        text = strip_code(open(f, encoding="utf-8").read())
        for lineno, line in enumerate(text.split("\n"), 1):
            for target in link.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):   # http:, mailto:, ...
                    continue
                path, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
                where = f"{rel(f)}:{lineno}: {target}"
                if not os.path.exists(dest):
                    bad.append(f"{where}: no such file {rel(dest)}")
                elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    bad.append(f"{where}: {rel(dest)} has no heading #{anchor}")
    return bad


def installed_headers():
    headers = []
    for d in ("include", os.path.join("include", "sel4")):
        mb = os.path.join(ROOT, d, "meson.build")
        text = open(mb, encoding="utf-8").read()
        for call in re.findall(r"install_headers\((.*?)\)", text, re.S):
            for name in re.findall(r"'([^']+\.h)'", call):
                headers.append(os.path.join(ROOT, d, name))
    return headers


def declared_names(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    names = set()
    for line in text.split("\n"):
        m = re.match(r"^\s*#\s*define\s+(mica_\w+)\(", line)
        if m:
            names.add(m.group(1))
            continue
        # A file-scope declaration or definition: the name at column 0 or
        # after a return type that starts at column 0.
        m = re.match(r"^(?:[A-Za-z_][\w ]*?[\s*]+)?(mica_\w+)\s*\(", line)
        if m and not line[0].isspace() and not line.startswith("typedef"):
            names.add(m.group(1))
    return names


def check_api():
    api = os.path.join(ROOT, "docs", "api.md")
    if not os.path.isfile(api):
        return ["docs/api.md does not exist"]
    text = open(api, encoding="utf-8").read()
    missing = []
    for h in installed_headers():
        for name in sorted(declared_names(h)):
            if not re.search(r"\b" + re.escape(name) + r"\b", text):
                missing.append(f"{rel(h)}: {name} is not in docs/api.md")
    return missing


def check_excerpts():
    bad = []
    marker = re.compile(r"^<!--\s*excerpt:\s*(\S+)\s*-->\s*\n```[^\n]*\n(.*?)^```\s*$", re.M | re.S)
    for f in doc_files():
        text = open(f, encoding="utf-8").read()
        for m in marker.finditer(text):
            lineno = text.count("\n", 0, m.start()) + 1
            src = os.path.join(ROOT, m.group(1))
            if not os.path.isfile(src):
                bad.append(f"{rel(f)}:{lineno}: no such file {m.group(1)}")
                continue
            source = open(src, encoding="utf-8").read()
            pieces = re.split(r"^\s*\.\.\.\s*\n", m.group(2), flags=re.M)
            at = 0
            for piece in pieces:
                found = source.find(piece, at)
                if found < 0:
                    first = piece.strip().split("\n")[0]
                    bad.append(f"{rel(f)}:{lineno}: not in {m.group(1)} (in this order): {first}")
                    break
                at = found + len(piece)
    return bad


def check_words():
    bad = []
    pattern = re.compile(r"\bthis session\b|\bthis stop\b|\bissues?\s+#?\d+", re.I)
    for f in doc_files():
        for lineno, line in enumerate(open(f, encoding="utf-8"), 1):
            for m in pattern.finditer(line):
                bad.append(f"{rel(f)}:{lineno}: '{m.group(0)}'")
    return bad


def main():
    failures = 0
    checks = [("links", check_links), ("api", check_api), ("excerpts", check_excerpts),
              ("words", check_words)]
    for name, fn in checks:
        problems = fn()
        for p in problems:
            print(f"{name}: {p}")
        print(f"{name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        failures += bool(problems)
    print(f"100%: Checks: {len(checks)}, Failures: {failures}, Errors: 0")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
