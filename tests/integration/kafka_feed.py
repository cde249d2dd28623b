#!/usr/bin/python3
"""Feeds a `credpipe gen` JSON Lines or CSV source into a Kafka topic, for
the tests of Kafka sources (run_kafka_source_test.sh), and checks a
group's committed offsets.

  kafka_feed.py produce --bootstrap BS --topic T --partitions N --gen DIR
                        --source ID [--value json|protobuf|csv]
      Creates the topic, writes one message per record of the source's
      feed (line i to partition i % N, so each partition holds lines in
      file order), then rewrites DIR/truth.json and DIR/credpipe.yaml:
      the source's rejects are named by their Kafka position (file
      "topic/partition", line = offset, as credpipe names them), and the
      source reads the topic (format kafka) instead of its file.
      With --value csv the source is a CSV one: each record (a line, or
      several when quotes hold line breaks) is a message, named by its
      first line, and the file's header becomes the source's csv_header.
      With --value protobuf each line becomes a packed CreditRecord (the
      classes generated from proto/credpipe.proto with protoc); a line
      that is not JSON is sent as it is, and the truth then expects the
      reject kafka_bad_protobuf for it. --stage first writes the first
      half of the records and the configuration, --stage second the rest
      and the truth (service mode reads them in two sets).

  kafka_feed.py positions --bootstrap BS --source ID --records-topic R
                         --rejects-topic J
      Exit 0 when every record and reject of the source on those topics
      names its message by topic, partition and offset, as its file
      ("topic/partition") and line (the offset) say.

  kafka_feed.py offsets --bootstrap BS --group G --topic T
      Exit 0 when the group's committed offset of every partition equals
      the partition's end offset, 1 otherwise (printing both).

It shares no code with credpipe. Run with /usr/bin/python3 (Debian's
python3-confluent-kafka, python3-protobuf, python3-yaml).
"""

import argparse
import datetime
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EPOCH = datetime.date(1970, 1, 1)


def die(msg):
    sys.stderr.write(f"kafka_feed: {msg}\n")
    sys.exit(2)


def load_pb():
    tmp = tempfile.mkdtemp(prefix="kafka-feed-")
    try:
        subprocess.run(["protoc", f"-I{REPO}/proto", f"--python_out={tmp}",
                        "credpipe.proto"], check=True)
        sys.path.insert(0, tmp)
        return importlib.import_module("credpipe_pb2")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def day(text):
    """Days since 1970-01-01 of the feed's two date forms; 0 (unknown)
    for the placeholders, as credpipe reads them."""
    t = (text or "").strip()
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", t) or \
        re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", t)
    if not m:
        if t in ("", "-", "无"):
            return 0
        raise ValueError(f"date {t!r} has no protobuf form")
    return (datetime.date(*map(int, m.groups())) - EPOCH).days


def to_credit_record(pb, obj, columns):
    """A JSON object of the feed as the CreditRecord the source's columns
    make of it; unmapped keys become extras."""
    r = pb.CreditRecord()
    for k, v in obj.items():
        if v is None:
            continue
        s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        f = columns.get(k)
        if f is None:
            if s.strip():
                r.extra[k] = s
        elif f == "subject_name":
            r.subject.name = s
        elif f == "legal_rep":
            r.subject.legal_rep = s
        elif f in ("subject_person_id", "subject_uscc"):
            r.subject.id = s
            r.subject.id_type = (pb.RESIDENT_ID_MASKED if f == "subject_person_id"
                                 else pb.USCC)
        elif f in ("decision_date", "list_date", "publish_date"):
            setattr(r, f, day(s))
        else:
            setattr(r, f, s)
    return r


def produce(a):
    cfg_path = os.path.join(a.gen, "credpipe.yaml")
    truth_path = os.path.join(a.gen, "truth.json")
    import yaml
    cfg_text = open(cfg_path, encoding="utf-8").read()
    cfg = yaml.safe_load(cfg_text)
    src = next((s for s in cfg["sources"] if s["id"] == a.source), None)
    want = "csv" if a.value == "csv" else "jsonl"
    if src is None or (src.get("format") != want and a.stage != "second"):
        die(f"{a.source} is not a {want} source of {cfg_path}")
    feed = a.feed or os.path.join(a.gen, src["paths"][0])
    pb = load_pb() if a.value == "protobuf" else None
    header = None

    saved = os.path.join(a.gen, "kafka_feed.json")
    if a.value == "csv":
        if a.stage != "all":
            die("--stage applies to JSON Lines sources")
        header, lines = csv_records(open(feed, "rb").read())
    else:
        lines = [ln for ln in enumerate(open(feed, "rb").read().split(b"\n"), 1)
                 if ln[1].strip(b"\r\n\t ")]  # JSON Lines skips blank lines
    half = len(lines) // 2
    if a.stage == "second":
        st = json.load(open(saved))
        pos = {int(k): tuple(v) for k, v in st["pos"].items()}
        bad_pb = set(st["bad_pb"])
        lines = lines[half:]
    else:
        admin = AdminClient({"bootstrap.servers": a.bootstrap})
        fs = admin.create_topics([NewTopic(a.topic, num_partitions=a.partitions,
                                           replication_factor=1)])
        for f in fs.values():
            f.result(30)
        pos = {}  # line -> (partition, offset)
        bad_pb = set()  # lines sent as they are (not JSON)
        if a.stage == "first":
            lines = lines[:half]
    errors = []

    def delivered(err, msg, line):
        if err:
            errors.append(err)
        else:
            pos[line] = (msg.partition(), msg.offset())

    p = Producer({"bootstrap.servers": a.bootstrap, "enable.idempotence": True,
                  "linger.ms": 20})
    n = len(pos)
    for i, raw in lines:
        raw = raw.rstrip(b"\r")
        value = raw
        if pb is not None:
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
                value = to_credit_record(pb, obj, src["columns"]).SerializeToString()
            except ValueError:
                bad_pb.add(i)
        p.produce(a.topic, value=value, partition=n % a.partitions,
                  on_delivery=lambda e, m, line=i: delivered(e, m, line))
        n += 1
        p.poll(0)
    if p.flush(60) or errors:
        die(f"producing failed: {errors[:3]}")
    if a.stage != "all":
        json.dump({"pos": pos, "bad_pb": sorted(bad_pb)}, open(saved, "w"))
    if a.stage != "second":
        configure(a, cfg_path, cfg_text, src, header)
    if a.stage != "first":
        rewrite_truth(a, truth_path, pos, bad_pb)
    print(f"kafka_feed: {n - (0 if a.stage != 'second' else half)} messages of "
          f"{a.source} on {a.topic} ({a.partitions} partitions, {a.stage}), "
          f"{len(bad_pb)} sent as they are")


def rewrite_truth(a, truth_path, pos, bad_pb):
    """The source's rejects named by their Kafka position."""
    truth = json.load(open(truth_path, encoding="utf-8"))
    reasons = None
    for s in truth["sources"]:
        if s.get("source") == a.source or s.get("id") == a.source:
            reasons = s.get("rejects_by_reason")
    seen = set()
    for r in truth["rejects"]:
        if r["source"] != a.source:
            continue
        line = int(r["line"])
        part, off = pos[line]
        r["file"] = f"{a.topic}/{part}"
        r["line"] = off
        seen.add(line)
        if line in bad_pb and r.get("reason") != "kafka_bad_protobuf":
            if reasons is not None:
                reasons[r["reason"]] -= 1
                if not reasons[r["reason"]]:
                    del reasons[r["reason"]]
                reasons["kafka_bad_protobuf"] = reasons.get("kafka_bad_protobuf", 0) + 1
            r["reason"] = "kafka_bad_protobuf"
            r.pop("detail", None)
    if bad_pb - seen:
        die(f"lines {sorted(bad_pb - seen)} are not JSON but not rejects in the truth")
    with open(truth_path, "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1)


def csv_records(data):
    """The header and the records of a CSV file as credpipe reads them:
    (first line, raw bytes) each, a record ending at a line end outside
    quotes; blank records are none. The header is the first record (gen's
    CSV feeds have no title rows)."""
    out, start, line, quoted, i0 = [], 1, 1, False, 0
    for i, c in enumerate(data):
        if c == 0x22:
            quoted = not quoted
        elif c == 0x0A:
            if not quoted:
                raw = data[i0:i].rstrip(b"\r")
                if raw.strip(b" \t"):
                    out.append((start, raw))
                i0, start = i + 1, line + 1
            line += 1
    if data[i0:].strip(b" \t\r\n"):
        out.append((start, data[i0:].rstrip(b"\r\n")))
    if not out:
        die("the CSV feed is empty")
    return out[0][1].decode("utf-8"), out[1:]


def configure(a, cfg_path, cfg_text, src, header=None):
    """The source reads the topic instead of its file."""
    old = re.search(r"    format: (jsonl|csv)\n    paths: \[[^\]]*\]\n",
                    cfg_text[cfg_text.index(f"id: {a.source}\n"):]).group(0)
    if cfg_text.count(old) != 1:
        die(f"cannot find {a.source}'s format and paths lines in {cfg_path}")
    new = (f"    format: kafka\n    kafka:\n      topics: [{a.topic}]\n"
           f"      value_format: {a.value}\n")
    if header is not None:
        new += f"      csv_header: {json.dumps(header, ensure_ascii=False)}\n"
    if a.group:
        new += f"      group: {a.group}\n"
    with open(cfg_path, "w", encoding="utf-8") as fh:
        fh.write(cfg_text.replace(old, new, 1))


def offsets(a):
    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": a.group,
                  "enable.auto.commit": False})
    md = c.list_topics(a.topic, timeout=30)
    parts = [TopicPartition(a.topic, p) for p in sorted(md.topics[a.topic].partitions)]
    committed = c.committed(parts, timeout=30)
    bad = 0
    for tp in committed:
        lo, hi = c.get_watermark_offsets(TopicPartition(a.topic, tp.partition), timeout=30)
        ok = tp.offset == hi
        bad += not ok
        print(f"kafka_feed: {a.topic}/{tp.partition}: committed {tp.offset}, end {hi}"
              f"{'' if ok else '  <-- differs'}")
    c.close()
    return 1 if bad else 0


def positions(a):
    """Every record and reject of the source on the output topics names
    its message as topic, partition and offset, agreeing with file
    ("topic/partition") and line (the offset)."""
    import zstandard
    pb = load_pb()
    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": "kafka-feed-positions",
                  "enable.auto.commit": False, "isolation.level": "read_committed"})
    seen = bad = 0
    for topic, cls, items in ((a.records_topic, pb.RecordBatch,
                               lambda b: [r.provenance for r in b.records]),
                              (a.rejects_topic, pb.RejectBatch, lambda b: b.rejects)):
        md = c.list_topics(topic, timeout=30)
        tps = []
        for p in md.topics[topic].partitions:
            lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
            if hi > lo:
                tps.append((p, lo, hi))
        for p, lo, hi in tps:
            c.assign([TopicPartition(topic, p, lo)])
            # The consumer's position, not the last message's offset:
            # read_committed never hands out the transaction markers that
            # end a partition, and the position moves past them.
            deadline = time.time() + 60
            while True:
                m = c.poll(0.2)
                if m is None or m.error():
                    if c.position([TopicPartition(topic, p)])[0].offset >= hi:
                        break
                    if time.time() > deadline:
                        print(f"kafka_feed: {topic}[{p}] not read to offset {hi} in 60 s")
                        bad += 1
                        break
                    continue
                b = cls()
                b.ParseFromString(zstandard.ZstdDecompressor().decompress(
                    m.value(), max_output_size=1 << 30))
                for it in items(b):
                    if it.source_id != a.source:
                        continue
                    seen += 1
                    pos = it.position
                    want = f"{pos.topic}/{pos.partition}"
                    if pos.file != want or pos.kafka_offset != pos.line or not pos.topic:
                        bad += 1
                        if bad <= 5:
                            print(f"kafka_feed: {topic}: position {pos} disagrees")
    c.close()
    print(f"kafka_feed: {seen} records and rejects of {a.source}, {bad} with a "
          "position that disagrees")
    return 1 if bad or not seen else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("produce")
    pr.add_argument("--bootstrap", required=True)
    pr.add_argument("--topic", required=True)
    pr.add_argument("--partitions", type=int, default=4)
    pr.add_argument("--gen", required=True)
    pr.add_argument("--source", required=True)
    pr.add_argument("--feed", help="the source's file (default: its configured path)")
    pr.add_argument("--group")
    pr.add_argument("--value", choices=("json", "protobuf", "csv"), default="json")
    pr.add_argument("--stage", choices=("all", "first", "second"), default="all",
                    help="first: the first half of the records (and the "
                         "configuration); second: the rest (and the truth)")
    of = sub.add_parser("offsets")
    of.add_argument("--bootstrap", required=True)
    of.add_argument("--group", required=True)
    of.add_argument("--topic", required=True)
    po = sub.add_parser("positions")
    po.add_argument("--bootstrap", required=True)
    po.add_argument("--source", required=True)
    po.add_argument("--records-topic", required=True)
    po.add_argument("--rejects-topic", required=True)
    a = ap.parse_args()
    if a.cmd == "produce":
        produce(a)
        return 0
    if a.cmd == "positions":
        return positions(a)
    return offsets(a)


if __name__ == "__main__":
    sys.exit(main())
