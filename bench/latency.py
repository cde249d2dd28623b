#!/usr/bin/python3
"""Latency of shape (d): from a file's delivery into a spool folder to the
moment its records can be read from Kafka.

    latency.py BOOTSTRAP TOPIC DELIVERIES OUT.json [--isolation read_committed]

Consumes TOPIC from the beginning (every partition) and keeps, for each
message, the time it was received, until SIGTERM or SIGINT; then reads on
to the end offsets of that moment, decodes every message (one zstd frame
holding a credpipe.v1.RecordBatch) and, for each record, takes the
delivery time of the file it came from (provenance.position.file, by name) from
DELIVERIES (lines "UNIX_SECONDS FILE_NAME", written by the offering
loop). Writes OUT.json: records, p50, p90, p99 and max latency in
seconds, and records received per second of the run; prints one line.

Decoding waits for the end, so a slow decoder does not delay receipt and
inflate the figures. With read_committed against a real broker, a
record is received once its transaction commits; the mock broker shows
records as soon as they are produced (it has no transaction visibility),
so there the figure stops at delivery.

Shares no code with credpipe: the protobuf classes come from
proto/credpipe.proto through protoc, like tests/integration/check_output.py.
Run with /usr/bin/python3 (Debian's python3-confluent-kafka, -protobuf,
-zstandard).
"""
import argparse
import json
import os
import signal
import sys
import tempfile
import time

import zstandard
from confluent_kafka import Consumer, TopicPartition

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from check_output import load_proto  # noqa: E402

stop = False


def on_signal(*_):
    global stop
    stop = True


def percentile(sorted_vals, q):
    if not sorted_vals:
        return 0.0
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("deliveries")
    ap.add_argument("out")
    ap.add_argument("--isolation", default="read_committed")
    ap.add_argument("--proto", default=os.path.join(HERE, "..", "proto", "credpipe.proto"))
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": f"latency-{os.getpid()}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "isolation.level": a.isolation, "fetch.wait.max.ms": 10,
                  "topic.metadata.refresh.interval.ms": 500})
    # Assigned, not subscribed: no group coordination to wait for (the
    # mock cluster's can hold a JoinGroup for minutes).
    parts = []
    deadline = time.time() + 60
    while not parts and time.time() < deadline and not stop:
        md = c.list_topics(a.topic, timeout=5).topics.get(a.topic)
        if md is not None and not md.error and md.partitions:
            parts = [TopicPartition(a.topic, p, -2) for p in md.partitions]  # -2: beginning
        else:
            time.sleep(0.2)
    if not parts:
        sys.exit(f"latency.py: no topic {a.topic} at {a.bootstrap}")
    c.assign(parts)
    got = []  # (received, value)
    while not stop:
        for m in c.consume(1000, 0.05):
            if not m.error() and m.value():
                got.append((time.time(), m.value()))
    # Drain up to the end offsets of now.
    ends = {}
    for tp in parts:
        lo, hi = c.get_watermark_offsets(tp, timeout=10)
        ends[tp.partition] = hi
    deadline = time.time() + 60
    while time.time() < deadline:
        pos = {tp.partition: tp.offset for tp in c.position(parts)}
        if all(pos.get(p, 0) >= e or e == 0 for p, e in ends.items()):
            break
        for m in c.consume(1000, 0.2):
            if not m.error() and m.value():
                got.append((time.time(), m.value()))
    c.close()

    delivered = {}
    with open(a.deliveries) as f:
        for line in f:
            t, name = line.split(None, 1)
            delivered[name.strip()] = float(t)
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_proto(a.proto, "protoc", tmp)
    lat, unknown, per_sec = [], 0, {}
    dz = zstandard.ZstdDecompressor()
    t0 = min(delivered.values()) if delivered else 0
    for received, value in got:
        batch = pb.RecordBatch()
        batch.ParseFromString(dz.decompressobj().decompress(value))
        sec = int(received - t0)
        per_sec[sec] = per_sec.get(sec, 0) + len(batch.records)
        for r in batch.records:
            t = delivered.get(os.path.basename(r.provenance.position.file))
            if t is None:
                unknown += 1
            else:
                lat.append(received - t)
    lat.sort()
    res = {"records": len(lat), "unknown_file": unknown, "messages": len(got),
           "p50_s": round(percentile(lat, 0.50), 3), "p90_s": round(percentile(lat, 0.90), 3),
           "p99_s": round(percentile(lat, 0.99), 3), "max_s": round(lat[-1], 3) if lat else 0,
           "per_second": [per_sec.get(s, 0) for s in range(max(per_sec) + 1)] if per_sec else []}
    with open(a.out, "w") as f:
        json.dump(res, f)
    print(f"latency: {res['records']} records in {res['messages']} messages; "
          f"p50 {res['p50_s']} s, p90 {res['p90_s']} s, p99 {res['p99_s']} s, "
          f"max {res['max_s']} s" + (f"; {unknown} of unknown files" if unknown else ""))


if __name__ == "__main__":
    main()
