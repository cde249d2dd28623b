#!/usr/bin/python3
"""Checks service mode's figures over time against what Kafka holds.

    late_sweep_check.py --bootstrap HOST:PORT --prefix P --phase late|withdraw|sweep
                        --source ID --central ID [--shared N]
                        [--withdrawn N [--withdrawn-shared N]]

Reads the records and sharing topics read_committed (check_output.py's
reader and decoder), then:

  late   the keys of --source that a central record reached only in a
         later set: their number (--shared), and their observed delays
         computed here from the records' ingest times — the source's
         upserts, and the central records around them (the central file
         puts produced keys before and after the shared ones, so each
         shared key's central ingest time lies between theirs) — against
         the latest SharingReport: late_shared, shared, unmatched,
         seen_count, the bucket of every delay and seen_sum_ms within the
         bounds, lag_unknown;
  withdraw  --withdrawn keys the source produced were withdrawn by its
         later records: one REMOVAL each (removal_reason empty, a withdrawn
         status, in the partition of the key's upsert), none twice, none
         for another key; and the report's counts moved: withdrawn,
         withdrawn_later and its removals = N, active and shared down by
         N and --withdrawn-shared;
  sweep  one REMOVAL with removal_reason window_ended per key --source
         produced and did not withdraw, none twice, none for another key,
         each in the partition of the key's upsert, with its
         expected_public_until; and the report's counts moved: active 0,
         expired = those keys, window_ended and removals_swept, the
         withdrawn ones still withdrawn.

Both phases also check every source of the report against compare_report's
invariants.

Exit 0 when all holds.
"""

import argparse
import collections
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_output as co  # noqa: E402  (next to this file)

SEEN_BOUNDS_S = [0, 60, 3600, 86400, 604800, 2592000]
WITHDRAWN = {"已撤销", "信用修复"}  # the statuses run_late_sweep_test.sh writes


def bucket(delay_ms):
    for i, b in enumerate(SEEN_BOUNDS_S):
        if delay_ms <= b * 1000:
            return i
    return len(SEEN_BOUNDS_S)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--phase", required=True, choices=["late", "withdraw", "sweep"])
    ap.add_argument("--source", required=True)
    ap.add_argument("--central", required=True)
    ap.add_argument("--shared", type=int, default=0)
    ap.add_argument("--withdrawn", type=int, default=0)
    ap.add_argument("--withdrawn-shared", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    checks = co.Checks()
    tmp = tempfile.mkdtemp(prefix="credpipe-late-")
    try:
        pb = co.load_proto(os.path.join(co.REPO, "proto", "credpipe.proto"), "protoc", tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rt, st = a.prefix + "credpipe.records", a.prefix + "credpipe.sharing"
    msgs, _, _ = co.read_topics(a.bootstrap, [rt, st], "read_committed",
                                time.time() + a.timeout, checks)

    upserts = {}        # key -> (ingest ms, partition, until) of --source
    central = []        # (offset order) ingest ms of the central's upserts
    removals = collections.Counter()       # window_ended, by key
    removal_at = {}
    withdrawals = collections.Counter()    # a later record's, by key
    withdrawal_at = {}
    for m in msgs[rt]:
        b = co.decode_message(m, pb.RecordBatch, "credpipe.v1.RecordBatch",
                              lambda x: len(x.records), checks)
        for r in (b.records if b else []):
            src = r.provenance.source_id
            if r.event == pb.REMOVAL and not r.removal_reason:
                checks.eq(src, a.source, "withdrawals are of the source", r.record_key)
                checks.ok(r.status in WITHDRAWN, "a withdrawal's status", r.status)
                withdrawals[r.record_key] += 1
                withdrawal_at[r.record_key] = m.partition()
            elif r.event == pb.REMOVAL:
                checks.eq(r.removal_reason, "window_ended", "removal_reason", r.record_key)
                checks.eq(src, a.source, "removals are of the source", r.record_key)
                removals[r.record_key] += 1
                removal_at[r.record_key] = (m.partition(), r.expected_public_until)
            elif src == a.source:
                checks.ok(r.record_key not in upserts, "one upsert a key", r.record_key)
                upserts[r.record_key] = (r.provenance.ingest_time_ms, m.partition(),
                                         r.expected_public_until)
            elif src == a.central:
                central.append(r.provenance.ingest_time_ms)
    reports = []
    for m in msgs[st]:
        s = co.decode_message(m, pb.SharingReport, "credpipe.v1.SharingReport",
                              lambda x: len(x.sources), checks)
        if s:
            reports.append(s)
    if not reports:
        co.die("no SharingReport on " + st, 1)
    rep = max(reports, key=lambda x: x.generated_at_ms)
    ss = {s.source_id: s for s in rep.sources}[a.source]
    # The report's own arithmetic, as compare_report.py checks every report.
    for s in rep.sources:
        for name, detail in co.compare_report.invariants(
                co.share_to_dict(s), s.source_id == a.central):
            checks.fail(name, detail)
    classes = dict(ss.key_classes)
    unmatched = sum(dict(ss.unmatched).values())

    if a.phase == "late":
        checks.ok(len(central) >= 2, "central upserts around the shared keys", central)
        lo, hi = min(central), max(central)
        # The shared keys are upserts of the source (its set came first):
        # each one's delay lies between lo - (latest source ingest) and
        # hi - (earliest source ingest).
        src_ms = sorted(v[0] for v in upserts.values())
        want_lo = a.shared * max(0, lo - src_ms[-1]) if src_ms else 0
        want_hi = a.shared * max(0, hi - src_ms[0]) if src_ms else 0
        checks.eq(ss.late_shared, a.shared, "late_shared")
        checks.eq(ss.shared_with_central, a.shared, "shared_with_central")
        checks.eq(unmatched, len(upserts) - a.shared, "unmatched")
        checks.eq(classes.get("active"), len(upserts), "active")
        checks.eq(ss.seen_count, a.shared, "seen_count")
        checks.eq(list(ss.seen_bucket_seconds), SEEN_BOUNDS_S, "seen bounds")
        want_buckets = [0] * (len(SEEN_BOUNDS_S) + 1)
        b_lo = bucket(lo - src_ms[-1] if src_ms else 0)
        b_hi = bucket(hi - src_ms[0] if src_ms else 0)
        checks.ok(b_lo == b_hi, "every delay in one bucket (the test's timing)",
                  f"{b_lo} vs {b_hi}")
        want_buckets[b_lo] = a.shared
        checks.eq(list(ss.seen_buckets), want_buckets, "seen buckets")
        checks.ok(want_lo <= ss.seen_sum_ms <= want_hi, "seen_sum_ms within the bounds",
                  f"{ss.seen_sum_ms} not in [{want_lo}, {want_hi}]")
        checks.ok(ss.seen_sum_ms >= a.shared * 1000, "delays of at least a second each",
                  ss.seen_sum_ms)
        checks.eq(ss.lag_unknown, a.shared, "lag_unknown (decision lag not kept)")
        checks.eq(len(removals), 0, "no removal yet")
        checks.eq(len(withdrawals), 0, "no withdrawal yet")
    else:
        # Withdrawn keys: the test's --withdrawn, each once, of the source's.
        checks.eq(len(withdrawals), a.withdrawn, "keys withdrawn")
        checks.eq([k for k, n in withdrawals.items() if n > 1], [], "no key withdrawn twice")
        for k, part in withdrawal_at.items():
            checks.ok(k in upserts, "a withdrawal of a key the source produced", k)
            if k in upserts:
                checks.eq(part, upserts[k][1], "withdrawal in the upsert's partition", k)
        checks.eq(classes.get("withdrawn"), a.withdrawn, "withdrawn")
        checks.eq(ss.withdrawn_later, a.withdrawn, "withdrawn_later")
        checks.eq(ss.withdrawn_later_removals, a.withdrawn, "withdrawn_later_removals")
        checks.eq(ss.records_read, ss.produced + ss.duplicates + ss.rejects,
                  "read = produced + duplicates + rejects")
    if a.phase == "withdraw":
        n = len(upserts) - a.withdrawn
        checks.eq(len(removals), 0, "no window_ended removal yet")
        checks.eq(classes.get("active"), n, "active after the withdrawals")
        checks.eq(ss.shared_with_central, a.shared - a.withdrawn_shared,
                  "shared after the withdrawals")
        checks.eq(unmatched, n - (a.shared - a.withdrawn_shared),
                  "unmatched after the withdrawals")
    elif a.phase == "sweep":
        checks.eq(set(removals), set(upserts) - set(withdrawals),
                  "a removal for every key produced and not withdrawn")
        twice = [k for k, n in removals.items() if n > 1]
        checks.eq(twice, [], "no key removed twice")
        for k, (part, until) in removal_at.items():
            if k in upserts:
                checks.eq(part, upserts[k][1], "removal in the upsert's partition", k)
                checks.eq(until, upserts[k][2], "removal's expected_public_until", k)
        n = len(upserts) - a.withdrawn
        checks.eq(classes.get("active"), 0, "active after the sweep")
        checks.eq(classes.get("expired"), n, "expired after the sweep")
        checks.eq(ss.shared_with_central, 0, "shared after the sweep")
        checks.eq(unmatched, 0, "unmatched after the sweep")
        checks.eq(ss.window_ended, n, "window_ended")
        checks.eq(ss.removals_swept, n, "removals_swept")
    for name, details in checks.failed.items():
        print(f"FAIL {name}: {details[:co.MAX_SHOWN]}")
    print(f"{checks.passed} checks passed, {len(checks.failed)} failed "
          f"({a.phase}: {len(upserts)} keys, {sum(withdrawals.values())} withdrawals, "
          f"{sum(removals.values())} removals)")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
