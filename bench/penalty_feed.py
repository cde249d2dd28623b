#!/usr/bin/env python3
"""The issue's shape (a): one penalty CSV, short rows, about 5 % duplicates.

    penalty_feed.py GEN_DIR OUT_DIR ROWS [--dup-share 0.05] [--seed 1]

Reads the penalty feed of a `credpipe gen` run (GEN_DIR/feeds/mem_penalties.csv,
双公示 columns), drops its two unmapped free-text columns (违法事实, 备注: they
make gen's rows ~400 bytes, where the issue's are ~220), and writes ROWS rows
to OUT_DIR/penalties.csv with OUT_DIR/credpipe.yaml, one source.

gen's rows keep their own mix: spelling variants of one key (counted as
duplicates), invalid identifiers (rejects), masked person IDs, weak keys.
Exact copies of earlier rows are added until duplicates are about
--dup-share of the rows. When ROWS exceeds gen's rows, the feed is read
again with every key made new (the serial of the document number moved by
10^7 per pass, the act of a row without a number marked), so that keys
grow with rows: shape (c) uses this for 10 M keys from a 1 M-row gen feed.
Subjects then repeat across passes: the subjects table does not grow with
the passes, only the record keys do.
"""
import csv
import os
import random
import re
import sys

import yaml

DROP = ("违法事实", "备注")
# gen's mem_penalties has ~3.9 % duplicates of its own within the file
# (bench b, one source alone); the copies below add the rest.
GEN_DUP_SHARE = 0.039


def main():
    args = sys.argv[1:]
    dup_share, seed = 0.05, 1
    while len(args) > 3:
        if args[-2] == "--dup-share":
            dup_share = float(args[-1])
        elif args[-2] == "--seed":
            seed = int(args[-1])
        else:
            sys.exit(__doc__)
        args = args[:-2]
    if len(args) != 3:
        sys.exit(__doc__)
    gen_dir, out_dir, rows = args[0], args[1], int(args[2])
    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)

    with open(f"{gen_dir}/feeds/mem_penalties.csv", encoding="utf-8", newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        keep = [i for i, h in enumerate(header) if h not in DROP]
        base = [[r[i] if i < len(r) else "" for i in keep] for r in rd]
    header = [header[i] for i in keep]
    doc = header.index("行政处罚决定书文号")
    act = header.index("违法行为类型")
    tail = re.compile(r"(\d+)(\D*)$")
    copy_p = max(0.0, dup_share - GEN_DUP_SHARE)

    written, fresh = [], 0
    with open(f"{out_dir}/penalties.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        n = 0
        while n < rows:
            if written and rng.random() < copy_p:
                w.writerow(written[rng.randrange(len(written))])
                n += 1
                continue
            k, i = divmod(fresh, len(base))
            fresh += 1
            r = base[i]
            if k:
                r = list(r)
                m = tail.search(r[doc])
                if m:
                    r[doc] = r[doc][: m.start()] + str(int(m.group(1)) + k * 10**7) + m.group(2)
                else:
                    r[act] = f"{r[act]}（{k}）"
            # Copies come from a bounded window: enough to spread them.
            if len(written) < 200000:
                written.append(r)
            else:
                written[rng.randrange(200000)] = r
            w.writerow(r)
            n += 1

    conf = yaml.safe_load(open(f"{gen_dir}/credpipe.yaml", encoding="utf-8"))
    src = next(s for s in conf["sources"] if s["id"] == "mem_penalties")
    src = dict(src, id="penalties", paths=["penalties.csv"])
    conf["sources"] = [src]
    with open(f"{out_dir}/credpipe.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump(conf, f, allow_unicode=True, sort_keys=False)


if __name__ == "__main__":
    main()
