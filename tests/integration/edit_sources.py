#!/usr/bin/env python3
"""Rewrites the source list of a credpipe configuration written by
`credpipe gen`, for tests that reload a service with other sources.

    edit_sources.py IN OUT [--drop ID]... [--copy ID NEWID]... [--role ID ROLE]...

--drop removes a source; --copy appends a copy of a source under a new id
reading spool/NEWID/ (same columns, same role and category); --role
changes a source's role. Text-based, so the file keeps its comments: a
source is the lines from its "  - id: X" to the next source or the next
top-level key.
"""
import argparse
import re
import sys


def blocks(lines):
    """(start, end, id) of every source block."""
    out, start, sid = [], None, None
    for i, line in enumerate(lines + ["END:"]):
        m = re.match(r"  - id: (\S+)\s*$", line)
        top = bool(line) and not line[0].isspace() and not line.startswith("#")
        if (m or top) and start is not None:
            out.append((start, i, sid))
            start = None
        if m:
            start, sid = i, m.group(1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--drop", action="append", default=[])
    ap.add_argument("--copy", nargs=2, action="append", default=[])
    ap.add_argument("--role", nargs=2, action="append", default=[])
    a = ap.parse_args()
    lines = open(a.src, encoding="utf-8").read().split("\n")
    found = {sid: (s, e) for s, e, sid in blocks(lines)}
    for sid in a.drop + [c[0] for c in a.copy] + [r[0] for r in a.role]:
        if sid not in found:
            sys.exit(f"edit_sources.py: {a.src} has no source {sid}")
    copies = []
    for sid, new in a.copy:
        s, e = found[sid]
        b = [ln for ln in lines[s:e] if ln.strip() and not ln.strip().startswith("#")]
        b[0] = f"  - id: {new}"
        b = [re.sub(r"paths: \[spool/[^/]+/", f"paths: [spool/{new}/", ln) for ln in b]
        copies.append(b)
    roles = dict(a.role)
    out, last_end = [], max(e for s, e in found.values())
    drop = {found[sid] for sid in a.drop}
    i = 0
    while i < len(lines):
        span = next(((s, e) for s, e in found.values() if s == i), None)
        if span in drop:
            i = span[1]
            continue
        if span:
            sid = lines[i].split("id:", 1)[1].strip()
            for ln in lines[span[0]:span[1]]:
                if sid in roles and re.match(r"    role: ", ln):
                    ln = f"    role: {roles[sid]}"
                out.append(ln)
            i = span[1]
            if i == last_end:
                for b in copies:
                    out.extend(b)
            continue
        out.append(lines[i])
        i += 1
    open(a.dst, "w", encoding="utf-8").write("\n".join(out).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
