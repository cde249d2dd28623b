#!/usr/bin/python3
"""Writes credpipe-shaped output to Kafka, to test check_output.py itself.

Produces a small, self-consistent data set (records, rejects, one or more
sharing reports) with librdkafka (Debian's python3-confluent-kafka), and
writes the matching truth.json and report.json. --fault spoils one aspect,
so that the checker can be shown to fail on it:

  none            everything consistent (the checker must pass)
  dup-key         one record_key appears in two batches
  split-subject   one subject's records land on two partitions
  bad-header      a wrong content-type header on one message
  bad-count       a record-count header that differs from the batch
  two-frames      a value holding two zstd frames
  missing-reject  one reject of the truth is not on the topic
  wrong-rate      the last sharing report has a wrong sharing_rate
  report-differs  report.json disagrees with the truth
  unknown-source  a record whose provenance.source_id is not configured
  figure-differs  a docs/metrics.md figure (a key class) differs, in
                  report.json and in the last sharing report
  later-missing   the REMOVAL of a key withdrawn by a later record of the
                  source that produced it is not on the topic
  later-twice     that REMOVAL is on the topic twice
"""

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

import zstandard
from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FAULTS = ["none", "dup-key", "split-subject", "bad-header", "bad-count", "two-frames",
          "missing-reject", "wrong-rate", "report-differs", "unknown-source",
          "figure-differs", "later-missing", "later-twice"]
CMP = ["subject_name", "authority", "decision_date", "list_date", "valid_to",
       "penalty_type", "fine_amount", "case_number"]
CT = "application/x-protobuf; messageType=credpipe.v1."


def load_pb():
    tmp = tempfile.mkdtemp(prefix="credpipe-fake-")
    try:
        subprocess.run(["protoc", f"--proto_path={REPO}/proto", f"--python_out={tmp}",
                        "credpipe.proto"], check=True, timeout=60)
        sys.path.insert(0, tmp)
        return importlib.import_module("credpipe_pb2")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--prefix", required=True, help="topic name prefix")
    ap.add_argument("--out", required=True, help="dir for truth.json, report.json")
    ap.add_argument("--fault", default="none", choices=FAULTS)
    ap.add_argument("--partitions", type=int, default=3)
    a = ap.parse_args()
    pb = load_pb()
    os.makedirs(a.out, exist_ok=True)
    t_rec, t_rj, t_sh = (a.prefix + n for n in ("credpipe.records", "credpipe.rejects",
                                                "credpipe.sharing"))

    adm = AdminClient({"bootstrap.servers": a.bootstrap})
    fs = adm.create_topics([NewTopic(t_rec, a.partitions, 1), NewTopic(t_rj, 1, 1),
                            NewTopic(t_sh, 1, 1)], operation_timeout=30, request_timeout=30)
    for f in fs.values():
        try:
            f.result(timeout=40)
        except KafkaException as e:
            # credpipe's embedded broker (librdkafka's mock cluster) has no
            # CreateTopics; it creates topics on first produce, with more
            # partitions than used here. A real broker that cannot create
            # them fails the produce below instead.
            print(f"fake_output: creating topics: {e}; relying on auto-creation",
                  file=sys.stderr)

    # Sources and their records: (key, subject id). The central source holds
    # keys k0..k19; sectoral k10..k29 (10 shared); municipal k25..k34 (5 of
    # them also sectoral's, none central's).
    sources = [("central", "central", pb.CENTRAL, [f"k{i}" for i in range(0, 20)]),
               ("sect", "sectoral", pb.SECTORAL, [f"k{i}" for i in range(10, 30)]),
               ("muni", "municipal", pb.MUNICIPAL, [f"k{i}" for i in range(25, 35)])]
    rejects = {"central": [3], "sect": [5, 9], "muni": []}
    # Keys withdrawn by a later record (docs/metrics.md): muni lists k32
    # (an active key it produced, unmatched) and withdraws it on line 12,
    # after its ten records: a REMOVAL, produced; and k27 (sect's key) on
    # line 13: a duplicate.
    later = {"muni": [("k32", 12), ("k27", 13)]}
    truth_later = []
    removals = []
    central = set(sources[0][3])
    seen = set()
    batches = {p: [] for p in range(a.partitions)}
    stats = []
    for sid, role, kind, keys in sources:
        st = {"source": sid, "role": role, "category": "admin_penalty",
              "read": len(keys) + len(rejects[sid]), "rejects": len(rejects[sid]),
              "unique_keys": len(set(keys)),
              "shared_with_central": len(set(keys) & central) if role != "central"
              else len(set(keys)),
              "duplicates": 0, "produced": 0}
        # The figures of docs/metrics.md, consistent with each other: every
        # key of a non-central source active, shared or unmatched (none).
        central_src = role == "central"
        active = 0 if central_src else st["unique_keys"]
        shared = 0 if central_src else st["shared_with_central"]
        st["shared_with_central"] = shared
        st["sharing_rate"] = shared / active if active else 0.0
        st.update({
            "removals": 0,
            "rejects_by_reason": {"uscc_bad_length": len(rejects[sid])} if rejects[sid] else {},
            "key_classes": {"active": active, "withdrawn": 0, "not_eligible": 0,
                            "expired": 0, "not_yet_due": 0},
            "shared_fuzzy": 0,
            "unmatched": {"no_subject_id": 0, "masked_only": 0, "id_suspect": 0,
                          "weak_key": 0, "none": active - shared},
            "sharing_rate_with_fuzzy": st["sharing_rate"],
            "central_unreported": len(central - set().union(
                *(set(k) for _, r, _, k in sources if r != "central"))) if central_src else 0,
            "discrepant": 0,
            "fields_compared": {f: shared if f == "subject_name" else 0 for f in CMP},
            "fields_differing": {f: 0 for f in CMP},
            "time_to_central": {"bounds_days": [7, 14, 30, 60, 90, 180, 365],
                                "buckets": [shared, 0, 0, 0, 0, 0, 0, 0],
                                "count": shared, "sum_days": 3 * shared, "unknown": 0},
            "completeness": {"keys": st["unique_keys"] if central_src else active,
                             "present": {"subject_name": st["unique_keys"] if central_src
                                         else active}},
            "ids": {"present": len(keys), "valid": len(keys), "flagged": 0, "invalid": 0},
            "subjects": len({int(k[1:]) // 2 for k in keys}),
        })
        mine = set()

        def record(k, line, event=pb.UPSERT, status=""):
            subj = f"S{int(k[1:]) // 2:04d}"
            r = pb.CreditRecord(category=pb.ADMIN_PENALTY, record_key=k, event=event,
                                status=status)
            r.subject.id = subj
            r.subject.kind = pb.ENTERPRISE
            r.provenance.source_id = sid
            r.provenance.source_kind = kind
            r.provenance.position.file = f"/data/{sid}/feed.csv"
            r.provenance.position.line = line
            return zlib.crc32(subj.encode()) % a.partitions, r

        for line, k in enumerate(keys, start=2):
            if k in seen:
                st["duplicates"] += 1
                continue
            seen.add(k)
            mine.add(k)
            st["produced"] += 1
            p, r = record(k, line)
            batches[p].append(r)
        st["withdrawn_later"] = {"keys": 0, "removals": 0}
        for k, line in later.get(sid, []):
            # active and unmatched (none) at its first view; leaves both
            st["read"] += 1
            st["ids"]["present"] += 1
            st["ids"]["valid"] += 1
            st["key_classes"]["active"] -= 1
            st["key_classes"]["withdrawn"] += 1
            st["unmatched"]["none"] -= 1
            st["withdrawn_later"]["keys"] += 1
            if k not in mine:
                st["duplicates"] += 1
                continue
            st["produced"] += 1
            st["removals"] += 1
            st["withdrawn_later"]["removals"] += 1
            removals.append(record(k, line, pb.REMOVAL, "已撤销"))
            truth_later.append({"source": sid, "file": "feed.csv", "line": line,
                                "first_line": keys.index(k) + 2, "event": "REMOVAL",
                                "status": "已撤销"})
        stats.append(st)
    assert all(k not in central for ks in later.values() for k, _ in ks)
    if a.fault != "later-missing":
        for p, r in removals * (2 if a.fault == "later-twice" else 1):
            batches[p].append(r)

    truth_rejects = [{"source": sid, "file": "feed.csv", "line": ln, "reason": "uscc_bad_length"}
                     for sid, lines in rejects.items() for ln in lines]
    totals = {"read": sum(s["read"] for s in stats),
              "produced": sum(s["produced"] for s in stats),
              "duplicates": sum(s["duplicates"] for s in stats),
              "rejects": sum(s["rejects"] for s in stats)}
    totals["central_keys"] = len(central)
    pairs = []
    for i, (si, _, _, ki) in enumerate(sources):
        for j, (sj, _, _, kj) in enumerate(sources):
            if i != j:
                subj_i = {int(k[1:]) // 2 for k in ki}
                subj_j = {int(k[1:]) // 2 for k in kj}
                pairs.append({"source": si, "other": sj, "overlap_keys": len(set(ki) & set(kj)),
                              "subjects_missing": len(subj_i - subj_j)})
    truth = {"schema_version": 2, "generated_at_ms": 0, "as_of": "2026-09-30",
             "totals": dict(totals),
             "sources": [{k: v for k, v in s.items() if k not in ("duplicates", "produced")}
                         for s in stats],
             "pairs": [dict(p) for p in pairs], "withdrawn_later_removals": truth_later,
             "rejects": truth_rejects}
    report = {"schema_version": 2, "generated_at_ms": int(time.time() * 1000),
              "as_of": "2026-09-30", "totals": dict(totals),
              "sources": [json.loads(json.dumps(s)) for s in stats],
              "pairs": [dict(p) for p in pairs], "rejects": list(truth_rejects)}

    if a.fault == "dup-key":
        batches[0].append(batches[0][0])
    if a.fault == "unknown-source":
        batches[0][0].provenance.source_id = "nobody"
    if a.fault == "report-differs":
        report["sources"][1]["unique_keys"] += 1
    if a.fault == "figure-differs":
        for st in (report["sources"][1], stats[1]):
            st["key_classes"] = dict(st["key_classes"], active=st["key_classes"]["active"] - 1,
                                     expired=1)
    if a.fault == "missing-reject":
        shown_rejects = truth_rejects[1:]
    else:
        shown_rejects = truth_rejects

    zc = zstandard.ZstdCompressor(level=3)
    prod = Producer({"bootstrap.servers": a.bootstrap, "enable.idempotence": True,
                     "acks": "all", "compression.codec": "none", "linger.ms": 5})
    errors = []

    def dr(err, msg):
        if err:
            errors.append(err)

    def send(topic, part, msg, count, name, ct=None, value=None):
        payload = value if value is not None else zc.compress(msg.SerializeToString())
        prod.produce(topic, partition=part, value=payload, on_delivery=dr, headers=[
            ("content-type", (ct or CT + name).encode()),
            ("content-encoding", b"zstd"),
            ("record-count", str(count).encode()),
            ("schema-version", b"1")])

    first = True
    for p, recs in batches.items():
        # Two batches per partition, so a record_key dup can cross batches.
        for chunk in (recs[: len(recs) // 2], recs[len(recs) // 2:]):
            if not chunk:
                continue
            b = pb.RecordBatch(schema_version=1, partition=p)
            b.records.extend(chunk)
            ct = value = None
            count = len(chunk)
            if first and a.fault == "bad-header":
                ct = CT + "RejectBatch"
            if first and a.fault == "bad-count":
                count += 1
            if first and a.fault == "two-frames":
                one = zc.compress(b.SerializeToString())
                value = one + one
            send(t_rec, p, b, count, "RecordBatch", ct, value)
            first = False
    if a.fault == "split-subject":
        # a record of an existing subject on another partition
        p0 = next(p for p, r in batches.items() if r)
        r = pb.CreditRecord()
        r.CopyFrom(batches[p0][0])
        r.record_key = "extra-key"
        b = pb.RecordBatch(schema_version=1, partition=(p0 + 1) % a.partitions)
        b.records.append(r)
        send(t_rec, (p0 + 1) % a.partitions, b, 1, "RecordBatch")
        truth["totals"]["produced"] += 1
        report["totals"]["produced"] += 1

    rb = pb.RejectBatch(schema_version=1)
    for r in shown_rejects:
        rb.rejects.add(source_id=r["source"], reason=r["reason"],
                       position=pb.Position(file="/data/%s/%s" % (r["source"], r["file"]),
                                            line=r["line"]))
    send(t_rj, 0, rb, len(rb.rejects), "RejectBatch")

    kinds = {"central": pb.CENTRAL, "sectoral": pb.SECTORAL, "municipal": pb.MUNICIPAL}
    for n in range(2):  # an older report first: only the last one counts
        sr = pb.SharingReport(schema_version=1, generated_at_ms=int(time.time() * 1000) + n,
                              central_keys=len(central))
        for s in stats:
            ss = sr.sources.add(source_id=s["source"], source_kind=kinds[s["role"]],
                                category=pb.ADMIN_PENALTY, records_read=s["read"],
                                rejects=s["rejects"], duplicates=s["duplicates"],
                                produced=s["produced"], unique_keys=s["unique_keys"],
                                shared_with_central=s["shared_with_central"],
                                sharing_rate=s["sharing_rate"])
            ss.removals, ss.shared_fuzzy = s["removals"], s["shared_fuzzy"]
            ss.sharing_rate_with_fuzzy = s["sharing_rate_with_fuzzy"]
            ss.central_unreported, ss.discrepant = s["central_unreported"], s["discrepant"]
            for name in ("rejects_by_reason", "key_classes", "unmatched", "fields_compared",
                         "fields_differing"):
                getattr(ss, name).update(s[name])
            lag = s["time_to_central"]
            ss.lag_buckets.extend(lag["buckets"])
            ss.lag_bucket_days.extend(lag["bounds_days"])
            ss.lag_count, ss.lag_sum_days = lag["count"], lag["sum_days"]
            ss.lag_unknown = lag["unknown"]
            ss.completeness_keys = s["completeness"]["keys"]
            ss.fields_present.update(s["completeness"]["present"])
            ss.id_present, ss.id_valid = s["ids"]["present"], s["ids"]["valid"]
            ss.id_flagged, ss.id_invalid = s["ids"]["flagged"], s["ids"]["invalid"]
            ss.subjects = s["subjects"]
            ss.withdrawn_later = s["withdrawn_later"]["keys"]
            ss.withdrawn_later_removals = s["withdrawn_later"]["removals"]
            if n == 0:
                ss.unique_keys += 7  # stale numbers in the older report
            if n == 1 and a.fault == "wrong-rate" and s["source"] == "sect":
                ss.sharing_rate += 1e-6
        sr.as_of = 20726  # 2026-09-30
        for p in pairs:
            sr.pairs.add(source_id=p["source"], other_id=p["other"],
                         overlap_keys=p["overlap_keys"], subjects_missing=p["subjects_missing"])
        sr.total_read, sr.total_produced = totals["read"], totals["produced"]
        sr.total_duplicates, sr.total_rejects = totals["duplicates"], totals["rejects"]
        send(t_sh, 0, sr, len(sr.sources), "SharingReport")

    left = prod.flush(30)
    if left or errors:
        sys.exit(f"fake_output: {left} undelivered, errors {errors}")
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    with open(os.path.join(a.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(f"fake_output: fault {a.fault}, {totals['produced']} records to {t_rec}")


if __name__ == "__main__":
    main()
