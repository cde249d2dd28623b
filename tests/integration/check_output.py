#!/usr/bin/python3
"""Independent checker of what credpipe wrote to Kafka.

Reads every partition of the records, rejects and sharing topics from the
beginning to the end offsets taken before reading, checks every message's
headers and payload (one zstd frame holding one protobuf message of the type
the header names), then checks the whole against truth.json (written by
`credpipe gen`) and, when given, the run's --report-json file.

Records: each key once, but for the REMOVAL records of keys a later record
of their source withdrew (truth.json's withdrawn_later_removals): each such
record must be on the topic at the later record's position, with event
REMOVAL, its status, and the record_key of the source's first record of
the key. Per source, the REMOVAL records on the topic must be the truth's
`removals`, and all its records the report's `produced` (both without the
REMOVALs of a window's end, which are not records read; the latter only for
sources whose produced does not depend on read order, see compare_report).

It shares no code with credpipe: the protobuf classes are generated from
proto/credpipe.proto with protoc at run time into a temporary directory.

Run with /usr/bin/python3 (Debian's python3-confluent-kafka, python3-protobuf,
python3-zstandard). Exit status: 0 when every check holds, 1 when one fails,
2 on a usage or environment error (no broker, no protoc, bad truth file).
"""

import argparse
import collections
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_report  # noqa: E402  (next to this file)

try:
    import zstandard
    from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
except ImportError as e:  # pragma: no cover - environment problem
    sys.stderr.write(
        f"check_output: {e}; run with /usr/bin/python3 (apt-get install "
        "python3-confluent-kafka python3-protobuf python3-zstandard)\n")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CT_PREFIX = "application/x-protobuf; messageType="
SCHEMA_VERSION = 1  # of the Kafka messages; the report JSON has its own
MAX_SHOWN = 10  # examples printed per failing check
RESIDENT_ID_MASKED = 5  # credpipe.v1.IdType


class Checks:
    """Collects named checks; each failure keeps what differed."""

    def __init__(self):
        self.passed = 0
        self.failed = collections.OrderedDict()  # name -> [details]
        self.warnings = []

    def ok(self, cond, name, detail=""):
        if cond:
            self.passed += 1
        else:
            self.fail(name, detail)
        return cond

    def fail(self, name, detail=""):
        self.failed.setdefault(name, []).append(detail)

    def eq(self, got, want, name, what=""):
        return self.ok(got == want, name,
                       f"{what}: got {got!r}, want {want!r}" if what else
                       f"got {got!r}, want {want!r}")

    def warn(self, text):
        self.warnings.append(text)


def die(msg, code=2):
    sys.stderr.write(f"check_output: {msg}\n")
    sys.exit(code)


# ------------------------------------------------------------- protobuf ---

def load_proto(proto_path, protoc, tmp):
    """Generates credpipe_pb2 with protoc into tmp and imports it."""
    if not os.path.isfile(proto_path):
        die(f"no proto file {proto_path}")
    exe = shutil.which(protoc)
    if not exe:
        die(f"protoc ({protoc}) not found (apt-get install protobuf-compiler)")
    d, name = os.path.split(os.path.abspath(proto_path))
    r = subprocess.run([exe, f"--proto_path={d}", f"--python_out={tmp}", name],
                       capture_output=True, text=True, timeout=60)
    if r.returncode:
        die(f"protoc failed: {r.stderr.strip()}")
    sys.path.insert(0, tmp)
    mod = os.path.splitext(name)[0] + "_pb2"
    return importlib.import_module(mod)


# --------------------------------------------------------------- kafka ---

# Errors a partition's leadership moving answers with for a while (a
# cluster test's last election may still be settling): asked again.
RETRIABLE = {KafkaError.LEADER_NOT_AVAILABLE, KafkaError.NOT_LEADER_FOR_PARTITION,
             KafkaError._TIMED_OUT, KafkaError.REQUEST_TIMED_OUT}


def watermarks(c, tp, deadline):
    """The partition's low and high offsets, asked until the deadline."""
    while True:
        try:
            return c.get_watermark_offsets(tp, timeout=max(1.0, deadline - time.time()),
                                           cached=False)
        except KafkaException as e:
            if e.args[0].code() not in RETRIABLE or time.time() > deadline:
                raise
            time.sleep(0.5)


def read_topics(bootstrap, topics, isolation, deadline, checks):
    """Returns {topic: [message, ...]} in partition/offset order.

    For each partition the end offset is its high watermark taken before
    reading; reading stops once every partition's position reaches it. A
    read_committed reader stops short of it while a transaction is open: that
    ends in a failed check at the deadline, naming the partition.
    """
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"credpipe-check-{os.getpid()}-{int(time.time() * 1000)}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
        "isolation.level": isolation,
        "allow.auto.create.topics": False,
        "fetch.message.max.bytes": 16 * 1024 * 1024,
        "socket.timeout.ms": 10000,
    })
    out = {t: [] for t in topics}
    try:
        assign = []
        ends = {}
        for t in topics:
            md = c.list_topics(topic=t, timeout=max(1.0, deadline - time.time()))
            tm = md.topics.get(t)
            if tm is None or tm.error is not None or not tm.partitions:
                err = tm.error if tm is not None else "not in metadata"
                checks.fail("topic exists", f"topic {t!r}: {err}")
                continue
            for p in sorted(tm.partitions):
                lo, hi = watermarks(c, TopicPartition(t, p), deadline)
                ends[(t, p)] = (lo, hi)
                if hi > lo:
                    assign.append(TopicPartition(t, p, lo))
        pending = {k for k, (lo, hi) in ends.items() if hi > lo}
        if assign:
            c.assign(assign)
        pos = {k: ends[k][0] for k in pending}
        while pending and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None:
                k = (m.topic(), m.partition())
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        if k in pos:
                            pos[k] = max(pos[k], m.offset())
                    else:
                        checks.fail("consume without error", f"{k}: {m.error()}")
                        if m.error().fatal():
                            break
                elif k in pos:
                    # Messages past the end offsets arrived after we looked.
                    if m.offset() < ends[k][1]:
                        out[m.topic()].append(m)
                    pos[k] = max(pos[k], m.offset() + 1)
            # Positions also move past transaction markers.
            if pending:
                for tp in c.position([TopicPartition(t, p) for (t, p) in pending]):
                    if tp.offset >= 0:
                        k = (tp.topic, tp.partition)
                        pos[k] = max(pos[k], tp.offset)
            pending = {k for k in pending if pos[k] < ends[k][1]}
        for k in sorted(pending):
            checks.fail("read to end offsets before deadline",
                        f"{k[0]}[{k[1]}] stopped at {pos[k]}, end {ends[k][1]}"
                        + (" (open transaction?)" if isolation == "read_committed" else ""))
        summary = {t: sum(hi - lo for (tt, _), (lo, hi) in ends.items() if tt == t)
                   for t in topics}
        return out, ends, summary
    finally:
        c.close()


# -------------------------------------------------------- per message ---

def header_map(m):
    h = collections.defaultdict(list)
    for k, v in (m.headers() or []):
        h[k].append(v)
    return h


def decode_message(m, cls, type_name, count_of, checks):
    """Checks headers and payload of one message; returns the decoded message or None."""
    where = f"{m.topic()}[{m.partition()}]@{m.offset()}"
    h = header_map(m)

    def one(name):
        vals = h.get(name, [])
        if len(vals) != 1:
            checks.fail(f"header {name} present once", f"{where}: {len(vals)} values")
            return None
        try:
            return vals[0].decode("utf-8") if vals[0] is not None else None
        except UnicodeDecodeError:
            checks.fail(f"header {name} is UTF-8", f"{where}: {vals[0]!r}")
            return None

    ct = one("content-type")
    checks.ok(ct == CT_PREFIX + type_name, "header content-type",
              f"{where}: {ct!r}, want {CT_PREFIX + type_name!r}")
    ce = one("content-encoding")
    checks.ok(ce == "zstd", "header content-encoding", f"{where}: {ce!r}")
    sv = one("schema-version")
    checks.ok(sv == str(SCHEMA_VERSION), "header schema-version", f"{where}: {sv!r}")
    rc = one("record-count")

    val = m.value()
    if not val:
        checks.fail("value is one zstd frame", f"{where}: empty value")
        return None
    try:
        d = zstandard.ZstdDecompressor().decompressobj()
        raw = d.decompress(val)
        if not d.eof:
            checks.fail("value is one zstd frame", f"{where}: truncated zstd frame")
            return None
        if d.unused_data:
            checks.fail("value is one zstd frame",
                        f"{where}: {len(d.unused_data)} bytes after the first frame")
            return None
    except zstandard.ZstdError as e:
        checks.fail("value is one zstd frame", f"{where}: {e}")
        return None
    checks.passed += 1
    msg = cls()
    try:
        msg.ParseFromString(raw)
    except Exception as e:  # google.protobuf.message.DecodeError
        checks.fail(f"value parses as {type_name}", f"{where}: {e}")
        return None
    checks.passed += 1
    checks.eq(msg.schema_version, SCHEMA_VERSION, "payload schema_version", where)
    n = count_of(msg)
    checks.ok(rc is not None and rc.isdigit() and int(rc) == n, "header record-count",
              f"{where}: header {rc!r}, decoded {n}")
    return msg


# --------------------------------------------------------------- truth ---

def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        die(f"cannot read {what} {path}: {e}")


def by_source(doc):
    out = collections.OrderedDict()
    for s in doc.get("sources", []) or []:
        out[s["source"]] = s
    return out


def reject_keys(lst):
    """Multiset of (source, basename(file), line) from a rejects list."""
    return collections.Counter(
        (r["source"], os.path.basename(r.get("file", "")), int(r.get("line", 0)))
        for r in lst)


def record_failures(checks, fails):
    """Adds compare_report's failures to the checks (and counts a pass
    when there are none)."""
    for name, detail in fails:
        checks.fail(name, detail)
    if not fails:
        checks.passed += 1


def _date(days):
    return time.strftime("%Y-%m-%d", time.gmtime(int(days) * 86400))


def _has(msg, field):
    return field in msg.DESCRIPTOR.fields_by_name


def _map(m, keys=(), truth=None):
    """A protobuf map as a dict: the fixed keys with 0 when absent; keys
    the truth does not name are dropped when 0 (a writer may list them)."""
    d = dict(m)
    for k in keys:
        d.setdefault(k, 0)
    if truth is not None:
        d = {k: v for k, v in d.items() if v or k in truth or k in keys}
    return d


def share_to_dict(ss, truth_src=None):
    """A SourceShare in the shape of a report JSON source."""
    t = truth_src or {}
    d = {
        "source": ss.source_id,
        "read": ss.records_read,
        "rejects": ss.rejects,
        "duplicates": ss.duplicates,
        "produced": ss.produced,
        "unique_keys": ss.unique_keys,
        "shared_with_central": ss.shared_with_central,
        "sharing_rate": ss.sharing_rate,
    }
    if not _has(ss, "key_classes"):  # an older proto: the fields above only
        return d
    full = compare_report.FULL_DICTS
    d.update({
        "removals": ss.removals,
        "rejects_by_reason": {k: v for k, v in dict(ss.rejects_by_reason).items() if v},
        "key_classes": _map(ss.key_classes, full["key_classes"]),
        "shared_fuzzy": ss.shared_fuzzy,
        "unmatched": _map(ss.unmatched, full["unmatched"]),
        "sharing_rate_with_fuzzy": ss.sharing_rate_with_fuzzy,
        "central_unreported": ss.central_unreported,
        "discrepant": ss.discrepant,
        "fields_compared": _map(ss.fields_compared, full["fields_compared"]),
        "fields_differing": _map(ss.fields_differing, full["fields_differing"]),
        "time_to_central": {
            "bounds_days": list(ss.lag_bucket_days), "buckets": list(ss.lag_buckets),
            "count": ss.lag_count, "sum_days": ss.lag_sum_days, "unknown": ss.lag_unknown},
        "completeness": {
            "keys": ss.completeness_keys,
            "present": _map(ss.fields_present, (),
                            (t.get("completeness") or {}).get("present", {}))},
        "ids": {"present": ss.id_present, "valid": ss.id_valid, "flagged": ss.id_flagged,
                "invalid": ss.id_invalid},
        "subjects": ss.subjects,
    })
    if _has(ss, "seen_buckets") and len(ss.seen_buckets):  # written by a version with them
        d["observed_time_to_central"] = {
            "bounds_seconds": list(ss.seen_bucket_seconds), "buckets": list(ss.seen_buckets),
            "count": ss.seen_count, "sum_ms": ss.seen_sum_ms, "late_shared": ss.late_shared}
        d["window_ended"] = {"keys": ss.window_ended, "removals": ss.removals_swept}
    if _has(ss, "withdrawn_later"):
        d["withdrawn_later"] = {"keys": ss.withdrawn_later,
                                "removals": ss.withdrawn_later_removals}
    return d


def sharing_to_report(sr, kinds, cats, truth):
    """The last SharingReport in the shape of a report JSON (no schema
    version: the message's is that of the Kafka payloads)."""
    tsrc = {s["source"]: s for s in truth.get("sources") or []}
    tpairs = {(p["source"], p["other"]): p for p in truth.get("pairs") or []}
    out = {"totals": {"read": sr.total_read, "produced": sr.total_produced,
                      "duplicates": sr.total_duplicates, "rejects": sr.total_rejects,
                      "central_keys": sr.central_keys},
           "sources": [], "pairs": []}
    for ss in sr.sources:
        d = share_to_dict(ss, tsrc.get(ss.source_id))
        d["role"] = kinds.get(ss.source_kind, str(ss.source_kind))
        d["category"] = cats.get(ss.category, str(ss.category))
        out["sources"].append(d)
    if _has(sr, "as_of"):
        out["as_of"] = _date(sr.as_of)
    if _has(sr, "pairs"):
        for p in sr.pairs:
            q = {"source": p.source_id, "other": p.other_id, "overlap_keys": p.overlap_keys}
            # subjects_missing is only defined for sources of one category;
            # elsewhere the message carries 0.
            if "subjects_missing" in tpairs.get((p.source_id, p.other_id), {}) or \
                    p.subjects_missing:
                q["subjects_missing"] = p.subjects_missing
            out["pairs"].append(q)
    return out


# ---------------------------------------------------------------- main ---

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bootstrap", required=True, help="HOST:PORT")
    ap.add_argument("--truth", required=True, help="truth.json of credpipe gen")
    ap.add_argument("--records-topic", required=True)
    ap.add_argument("--rejects-topic", required=True)
    ap.add_argument("--sharing-topic", required=True)
    ap.add_argument("--report", help="the run's --report-json file")
    ap.add_argument("--isolation", default="read_committed",
                    choices=["read_committed", "read_uncommitted"])
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds for reading all topics (default 120)")
    ap.add_argument("--proto", default=os.path.join(REPO, "proto", "credpipe.proto"))
    ap.add_argument("--protoc", default="protoc")
    ap.add_argument("--quiet", action="store_true", help="print failures only")
    ap.add_argument("--retired", action="append", default=[], metavar="SOURCE",
                    help="a source removed by a reload during the run, not in the truth: "
                    "it must have produced no record (the test gives it only keys other "
                    "sources had produced); its rejects are counted apart")
    a = ap.parse_args()

    truth = load_json(a.truth, "truth")
    report = load_json(a.report, "report") if a.report else None
    truth_src = by_source(truth)
    truth_totals = truth.get("totals", {}) or {}
    known = set(truth_src)
    checks = Checks()
    started = time.time()

    tmp = tempfile.mkdtemp(prefix="credpipe-check-")
    try:
        pb = load_proto(a.proto, a.protoc, tmp)
    finally:
        # The module is imported; its file is no longer needed.
        shutil.rmtree(tmp, ignore_errors=True)

    topics = [a.records_topic, a.rejects_topic, a.sharing_topic]
    if len(set(topics)) != 3:
        die("the three topics must differ")
    msgs, ends, sizes = read_topics(a.bootstrap, topics, a.isolation,
                                    time.time() + a.timeout, checks)

    # ---- records topic
    n_records = 0
    key_seen = {}
    key_more = collections.defaultdict(list)  # record_key -> later occurrences
    at_pos = {}  # (source, file name, line) -> (record_key, event, status, where)
    removals_per_src = collections.Counter()
    swept_per_src = collections.Counter()
    empty_keys = []
    subj_parts = collections.defaultdict(set)
    no_subject_id = 0
    unknown_src = collections.Counter()
    per_src_records = collections.Counter()
    retired_records = collections.Counter()
    batch_part_mismatch = 0
    for m in msgs[a.records_topic]:
        b = decode_message(m, pb.RecordBatch, "credpipe.v1.RecordBatch",
                           lambda x: len(x.records), checks)
        if b is None:
            continue
        if b.partition != m.partition():
            batch_part_mismatch += 1
        for i, r in enumerate(b.records):
            n_records += 1
            where = f"{m.topic()}[{m.partition()}]@{m.offset()}#{i}"
            sid = r.provenance.source_id
            per_src_records[sid] += 1
            # REMOVALs the pipeline decided itself (a window's end) are not
            # records read: not in produced nor removals (docs/metrics.md)
            swept = _has(r, "removal_reason") and r.removal_reason != ""
            if swept:
                swept_per_src[sid] += 1
            elif r.event == pb.REMOVAL:
                removals_per_src[sid] += 1
            pos = (sid, os.path.basename(r.provenance.position.file),
                   int(r.provenance.position.line))
            at_pos[pos] = (r.record_key, r.event, r.status, where)
            if sid in a.retired:
                retired_records[sid] += 1
            elif sid not in known:
                unknown_src[sid] += 1
            if not r.record_key:
                empty_keys.append(where)
            elif r.record_key in key_seen:
                key_more[r.record_key].append((where, pos))
            else:
                key_seen[r.record_key] = where
            if r.subject.id:
                # A masked resident ID is shared by everyone with the same
                # visible digits: with the name it identifies a subject
                # (docs/identifiers.md), and the partition follows that.
                subj = r.subject.id
                if r.subject.id_type == RESIDENT_ID_MASKED:
                    subj = (subj, r.subject.name)
                subj_parts[subj].add(m.partition())
            else:
                no_subject_id += 1
    if batch_part_mismatch:
        checks.warn(f"{batch_part_mismatch} record batches carry a partition field "
                    "different from the Kafka partition they are on")
    # Keys withdrawn by a later record of the source that produced them:
    # that record is produced again, as REMOVAL, at its own position.
    later = truth.get("withdrawn_later_removals") or []
    later_pos = set()
    bad_later = []
    for w in later:
        pos = (w["source"], os.path.basename(w["file"]), int(w["line"]))
        first = (w["source"], os.path.basename(w["file"]), int(w["first_line"]))
        later_pos.add(pos)
        got, want_key = at_pos.get(pos), at_pos.get(first)
        if got is None:
            bad_later.append(f"{pos}: no record there")
        elif want_key is None:
            bad_later.append(f"{first}: no record of the key's first row")
        elif got[1] != pb.REMOVAL or got[2] != w["status"] or got[0] != want_key[0]:
            bad_later.append(f"{pos} at {got[3]}: event {pb.EventType.Name(got[1])}, "
                             f"status {got[2]!r}, key {got[0]!r}; want REMOVAL, "
                             f"{w['status']!r}, the key of line {w['first_line']} "
                             f"{want_key[0]!r}")
    if "withdrawn_later_removals" in truth:
        checks.ok(not bad_later, "withdrawn later: REMOVAL records at their positions",
                  f"{len(bad_later)} of {len(later)} wrong, e.g. " +
                  "; ".join(bad_later[:MAX_SHOWN]))
    dup_keys = []
    for k, more in key_more.items():
        # allowed: one more record of the key, a withdrawn-later REMOVAL
        if len(more) == 1 and more[0][1] in later_pos:
            continue
        dup_keys += [f"{k!r} at {key_seen[k]} and {w}" for w, _ in more]
    if "produced" in truth_totals:
        checks.eq(n_records, truth_totals["produced"],
                  "records on topic == truth totals.produced")
    for sid, t in truth_src.items():
        if "removals" in t:
            checks.eq(removals_per_src.get(sid, 0), t["removals"],
                      "REMOVAL records on topic per source == truth removals", sid)
    checks.ok(not dup_keys, "no record_key twice on the records topic",
              f"{len(dup_keys)} duplicates, e.g. " + "; ".join(dup_keys[:MAX_SHOWN]))
    checks.ok(not empty_keys, "every record has a record_key",
              f"{len(empty_keys)} without, e.g. " + ", ".join(empty_keys[:MAX_SHOWN]))
    split = {s: sorted(p) for s, p in subj_parts.items() if len(p) != 1}
    checks.ok(not split, "one partition per subject (masked IDs: with the name)",
              f"{len(split)} subjects on several partitions, e.g. " +
              ", ".join(f"{s!r}->{p}" for s, p in list(split.items())[:MAX_SHOWN]))
    if no_subject_id:
        checks.warn(f"{no_subject_id} records have an empty subject.id "
                    "(not part of the one-partition check)")
    checks.ok(not unknown_src, "record provenance.source_id known",
              ", ".join(f"{s!r} x{n}" for s, n in unknown_src.most_common(MAX_SHOWN)))
    checks.ok(not retired_records, "no record produced by a retired source",
              ", ".join(f"{s!r} x{n}" for s, n in retired_records.items()))

    # ---- rejects topic
    topic_rejects = collections.Counter()
    topic_reasons = {}
    unknown_rj = collections.Counter()
    retired_rj = collections.Counter()
    for m in msgs[a.rejects_topic]:
        b = decode_message(m, pb.RejectBatch, "credpipe.v1.RejectBatch",
                           lambda x: len(x.rejects), checks)
        if b is None:
            continue
        for r in b.rejects:
            if r.source_id in a.retired:
                retired_rj[r.source_id] += 1
                continue
            if r.source_id not in known:
                unknown_rj[r.source_id] += 1
            k = (r.source_id, os.path.basename(r.position.file), int(r.position.line))
            topic_rejects[k] += 1
            topic_reasons.setdefault(k, r.reason)
    checks.ok(not unknown_rj, "reject source_id known",
              ", ".join(f"{s!r} x{n}" for s, n in unknown_rj.most_common(MAX_SHOWN)))
    twice = [k for k, n in topic_rejects.items() if n > 1]
    checks.ok(not twice, "no reject twice on the rejects topic",
              f"{len(twice)} positions, e.g. {twice[:MAX_SHOWN]}")
    rj_per_src = collections.Counter()
    for (sid, _, _), n in topic_rejects.items():
        rj_per_src[sid] += n
    for sid, t in truth_src.items():
        if "rejects" in t:
            checks.eq(rj_per_src.get(sid, 0), t["rejects"],
                      "rejects on topic per source == truth", sid)
    if "rejects" in truth_totals:
        checks.eq(sum(topic_rejects.values()), truth_totals["rejects"],
                  "rejects on topic == truth totals.rejects")
    if "rejects" in truth:
        want = reject_keys(truth["rejects"])
        got = collections.Counter({k: 1 for k in topic_rejects})
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        checks.ok(not missing and not extra, "reject positions == truth",
                  f"missing {len(missing)} e.g. {missing[:MAX_SHOWN]}; "
                  f"unexpected {len(extra)} e.g. {extra[:MAX_SHOWN]}")
        bad_reason = []
        for r in truth["rejects"]:
            if r.get("reason"):
                k = (r["source"], os.path.basename(r.get("file", "")), int(r.get("line", 0)))
                if k in topic_reasons and topic_reasons[k] != r["reason"]:
                    bad_reason.append(f"{k}: got {topic_reasons[k]!r}, want {r['reason']!r}")
        checks.ok(not bad_reason, "reject reasons == truth",
                  f"{len(bad_reason)} differ, e.g. " + "; ".join(bad_reason[:MAX_SHOWN]))

    # ---- sharing topic
    reports = []
    for m in msgs[a.sharing_topic]:
        r = decode_message(m, pb.SharingReport, "credpipe.v1.SharingReport",
                           lambda x: len(x.sources), checks)
        if r is not None:
            ts = m.timestamp()[1] if m.timestamp() else 0
            reports.append(((r.generated_at_ms, ts, m.partition(), m.offset()), r))
    last = None
    if checks.ok(bool(reports), "a SharingReport on the sharing topic",
                 f"{sizes.get(a.sharing_topic, 0)} messages, none decoded"):
        last = max(reports, key=lambda x: x[0])[1]
        kinds = {v.number: v.name.lower() for v in pb.SourceKind.DESCRIPTOR.values}
        cats = {v.number: v.name.lower() for v in pb.Category.DESCRIPTOR.values}
        seen = collections.Counter(ss.source_id for ss in last.sources)
        for sid, k in seen.items():
            checks.ok(k == 1, "SharingReport: one entry per source", f"{sid} x{k}")
        got = sharing_to_report(last, kinds, cats, truth)
        want = {k: v for k, v in truth.items() if k not in ("schema_version", "rejects")}
        if "as_of" not in got:
            want.pop("as_of", None)
        if not got["pairs"] and not _has(last, "pairs"):
            want.pop("pairs", None)
        record_failures(checks, compare_report.compare(want, got, "SharingReport"))
        checks.eq(sum(d["produced"] for d in got["sources"]), n_records,
                  "SharingReport: sum of produced == records on topic")
        for f in ("read", "produced", "duplicates", "rejects"):
            checks.eq(sum(d[f] for d in got["sources"]), got["totals"][f],
                      f"SharingReport: total_{f} == sum over sources")

    # ---- report JSON
    if report is not None:
        record_failures(checks, compare_report.compare(
            {k: v for k, v in truth.items() if k != "rejects"}, report, "report"))
        rep_src = by_source(report)
        rep_totals = report.get("totals", {}) or {}
        if "produced" in rep_totals:
            checks.eq(rep_totals["produced"], n_records,
                      "report: totals.produced == records on topic")
        if "rejects" in truth and "rejects" in report:
            want, got = reject_keys(truth["rejects"]), reject_keys(report["rejects"])
            checks.ok(set(want) == set(got), "report: reject positions == truth",
                      f"missing {sorted(set(want) - set(got))[:MAX_SHOWN]}; "
                      f"unexpected {sorted(set(got) - set(want))[:MAX_SHOWN]}")
        if last is not None:
            for ss in last.sources:
                g = rep_src.get(ss.source_id)
                if g is None:
                    continue
                for f, v in (("produced", ss.produced), ("duplicates", ss.duplicates)):
                    if f in g:
                        checks.eq(g[f], v, f"report: per-source {f} == SharingReport",
                                  ss.source_id)
        # Not for sources sharing keys with another non-central one: which
        # of them produces such a key is a race, which a state rebuilt from
        # the inputs (STATE_REBUILD) may decide otherwise than the run that
        # produced the records did.
        racing = compare_report.racing_sources(truth)
        for sid, g in rep_src.items():
            if "produced" in g and sid in known and sid not in racing:
                checks.eq(per_src_records.get(sid, 0) - swept_per_src.get(sid, 0), g["produced"],
                          "records on topic per source == report produced", sid)

    # ---- summary
    elapsed = time.time() - started
    if not a.quiet:
        print(f"check_output: bootstrap {a.bootstrap}, isolation {a.isolation}, "
              f"{elapsed:.1f}s")
        for t in topics:
            parts = sorted(p for (tt, p) in ends if tt == t)
            print(f"  {t}: {len(parts)} partitions, {sizes.get(t, 0)} offsets, "
                  f"{len(msgs.get(t, []))} messages read")
        print(f"  records {n_records}, distinct keys {len(key_seen)}, "
              f"subjects {len(subj_parts)}, rejects {sum(topic_rejects.values())}, "
              f"sharing reports {len(reports)}")
        for sid in truth_src:
            print(f"    {sid}: records {per_src_records.get(sid, 0)}, "
                  f"rejects {rj_per_src.get(sid, 0)}")
        for sid in a.retired:
            print(f"    {sid} (retired): records {retired_records.get(sid, 0)}, "
                  f"rejects {retired_rj.get(sid, 0)}")
        for w in checks.warnings:
            print(f"  warning: {w}")
    nfail = sum(len(v) for v in checks.failed.values())
    for name, details in checks.failed.items():
        print(f"FAIL {name} ({len(details)}x)")
        for d in details[:MAX_SHOWN]:
            if d:
                print(f"     {d}")
        if len(details) > MAX_SHOWN:
            print(f"     ... and {len(details) - MAX_SHOWN} more")
    if nfail:
        print(f"check_output: FAILED, {nfail} of {checks.passed + nfail} checks")
    else:
        print(f"check_output: OK, all {checks.passed} checks hold")
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
