#!/usr/bin/env python3
"""Runs a command and measures it, with CPU time per thread.

    measure.py OUT.json CMD [ARG...]

Writes wall seconds, user and system CPU seconds, peak RSS (KiB) and the
exit status of CMD to OUT.json, and the CPU seconds of each of its threads
summed by thread name (cp:ingest/0, cp:transform, cp:sink, rdk:broker…).
Threads are sampled from /proc every 20 ms, so a thread's figure misses
at most its last 20 ms; the process totals come from wait4 and are exact.
"""
import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def sample(pid, seen):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                s = f.read()
        except OSError:
            continue
        # comm is in parentheses and may hold spaces; fields follow ')'.
        name = s[s.index("(") + 1 : s.rindex(")")]
        fields = s[s.rindex(")") + 2 :].split()
        seen[tid] = (name, (int(fields[11]) + int(fields[12])) / TICK)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, cmd = sys.argv[1], sys.argv[2:]
    seen = {}
    t0 = time.monotonic()
    p = subprocess.Popen(cmd)
    while True:
        sample(p.pid, seen)
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.02)
    wall = time.monotonic() - t0
    threads = {}
    for name, cpu in seen.values():
        threads[name] = round(threads.get(name, 0) + cpu, 2)
    res = {
        "wall": round(wall, 3),
        "user": ru.ru_utime,
        "sys": ru.ru_stime,
        "maxrss_kb": ru.ru_maxrss,
        "rc": os.waitstatus_to_exitcode(status),
        "threads": dict(sorted(threads.items(), key=lambda kv: -kv[1])),
    }
    with open(out, "w") as f:
        json.dump(res, f)
    sys.exit(0 if res["rc"] == 0 else 1)


if __name__ == "__main__":
    main()
