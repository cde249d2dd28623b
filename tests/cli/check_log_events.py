#!/usr/bin/env python3
"""Checks that docs/logging.md lists exactly the log events and components
the code uses.   check_log_events.py SOURCE_DIR

Every cp_log*() call site must name its component and event with string
literals (a log search relies on them); each (component, event) must be a
row of the doc's Events table, each component a row of its components
table and of the logger's list in core/log_spec.c. Doc rows that nothing
logs fail too, so the list stays exact.
"""
import os
import re
import sys

SCAN_DIRS = ("core", "ingest", "transform", "sink", "cli")
# The logger itself: its functions are defined there, not called.
SKIP = re.compile(r"^core/log(_\w+)?\.[ch]$")
CALL = re.compile(r"\b(cp_log(?:_debug|_info|_warn|_error)?|cp_log_syslog)\s*\(")
TOKENS = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
EVENT = re.compile(r"^[A-Z][A-Z0-9_]*$")


def strip_comments(text):
    # Comments become blanks with their line ends, so line numbers stay.
    return TOKENS.sub(lambda m: " " + "\n" * m.group(0).count("\n")
                      if m.group(0)[0] == "/" else m.group(0), text)


def split_args(text, start):
    """Top-level arguments of the call whose '(' is at start."""
    args, depth, cur, i = [], 0, [], start + 1
    while i < len(text):
        c = text[i]
        if c == '"' or c == "'":
            m = TOKENS.match(text, i)
            cur.append(m.group(0))
            i = m.end()
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return args


def literal(arg, defines):
    """The value of adjacent string literals or of a CP_LOG_EVENT_* name."""
    if arg in defines:
        return defines[arg]
    parts = re.findall(r'"((?:\\.|[^"\\])*)"', arg)
    if parts and re.fullmatch(r'(\s*"(?:\\.|[^"\\])*"\s*)+', arg):
        return "".join(parts)
    return None


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []

    with open(os.path.join(root, "core/log.h"), encoding="utf-8") as f:
        defines = dict(re.findall(r'#define\s+(CP_LOG_EVENT_\w+)\s+"([^"]*)"', f.read()))
    # Events the logger writes itself, for any component.
    used = {(None, v): "core/log.h" for v in defines.values() if not v.endswith("_")}

    with open(os.path.join(root, "core/log_spec.c"), encoding="utf-8") as f:
        m = re.search(r"cp_log_components\[\]\s*=\s*\{([^}]*)\}", f.read())
    known = set(re.findall(r'"([^"]+)"', m.group(1))) if m else set()
    if not known:
        problems.append("core/log_spec.c: cp_log_components[] not found")

    for d in SCAN_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for name in sorted(files):
                if not name.endswith(".c"):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if SKIP.match(rel):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = strip_comments(f.read())
                for m in CALL.finditer(text):
                    fn = m.group(1)
                    args = split_args(text, m.end() - 1)
                    first = 0 if fn.startswith("cp_log_") and fn != "cp_log_syslog" else 1
                    where = "%s:%d" % (rel, line_of(text, m.start()))
                    if len(args) < first + 2:
                        continue  # not a call (a declaration, a pointer)
                    comp = literal(args[first], defines)
                    event = literal(args[first + 1], defines)
                    if comp is None or event is None:
                        problems.append("%s: %s() must name its component and event "
                                        "with string literals, not %s, %s"
                                        % (where, fn, args[first], args[first + 1]))
                        continue
                    if fn == "cp_log_syslog":
                        event += "<FACILITY>"
                    elif not EVENT.match(event):
                        problems.append("%s: event '%s' is not UPPER_CASE" % (where, event))
                    used.setdefault((comp, event), where)

    with open(os.path.join(root, "docs/logging.md"), encoding="utf-8") as f:
        doc = f.read()
    events_sec = doc.split("\n## Events", 1)[1] if "\n## Events" in doc else ""
    levels_sec = doc.split("\n## Levels", 1)[1].split("\n#", 1)[0] if "\n## Levels" in doc else ""
    documented = {}
    for ev, comps in re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*(?:<FACILITY>)?)`\s*\|([^|]*)\|",
                                events_sec, re.M):
        documented[ev] = {c.strip() for c in comps.split(",")}
    doc_comps = set(re.findall(r"^\|\s*`([a-z][a-z0-9_.-]*)`\s*\|", levels_sec, re.M))
    if not documented:
        problems.append("docs/logging.md: no Events table found")

    for (comp, event), where in sorted(used.items(), key=lambda x: (x[0][1], x[0][0] or "")):
        if event not in documented:
            problems.append("%s: event %s is not in docs/logging.md's Events table"
                            % (where, event))
        elif comp is not None and comp not in documented[event] and "any" not in documented[event]:
            problems.append("%s: event %s is logged as comp=%s, docs/logging.md says %s"
                            % (where, event, comp, ", ".join(sorted(documented[event]))))
        if comp is not None and comp not in known:
            problems.append("%s: component '%s' is not in core/log_spec.c's "
                            "cp_log_components (so --log-level %s=debug would be refused)"
                            % (where, comp, comp))
        if comp is not None and comp not in doc_comps:
            problems.append("%s: component '%s' is not in docs/logging.md's components table"
                            % (where, comp))
    logged = {e for _, e in used}
    for ev in sorted(documented):
        if ev not in logged:
            problems.append("docs/logging.md: event %s is listed but nothing logs it" % ev)
    for c in sorted(known ^ doc_comps):
        problems.append("component '%s' is in %s but not in %s" % (
            c, *(("core/log_spec.c", "docs/logging.md") if c in known
                 else ("docs/logging.md", "core/log_spec.c"))))

    for p in problems:
        print("FAIL", p)
    print("%d events and %d components checked against docs/logging.md; %d problems"
          % (len(logged), len(known), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
