#!/usr/bin/python3
"""Checks the /metrics, /healthz and /readyz of a `credpipe run --once`
against the report JSON of the same run.

    metrics_check.py --port P --report REPORT.json [--timeout S] [--save FILE]

Waits (bounded) until the run says it is finished (credpipe_run_finished 1)
and the report file exists, then parses the scrape with prometheus_client's
parser (Debian python3-prometheus-client: the exposition rules of a real
Prometheus client) and asserts:

  * every source: read = produced + duplicate + rejected (the accounting);
  * every figure of the report equals its metric (records, rejects by
    reason, key classes, matches, discrepancies, the time-to-central
    histograms, keys whose window ended or a later record withdrew,
    completeness, identifiers, subjects, pairs, central keys);
  * every per-source metric labels every source, with its role and category;
  * label values are identifiers and codes only (no personal data);
  * the pipeline counters agree with the report (delivered = produced
    messages, records and rejects on Kafka, batch sizes sum to records read);
  * /healthz is 200, /readyz is 200, an unknown path is 404, POST is 405.

Loopback only: it connects to 127.0.0.1:PORT and nowhere else.
"""
import argparse
import datetime
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

FAILS = []


def check(ok, what):
    if not ok:
        FAILS.append(what)
    return ok


def eq(got, want, what):
    return check(got == want, f"{what}: got {got!r}, want {want!r}")


def get(port, path, method="GET"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def scrape(port):
    """The samples of one scrape: {(name, frozenset(labels)): value}, and the
    families' types."""
    status, ctype, text = get(port, "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    samples, types = {}, {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            key = (s.name, frozenset(s.labels.items()))
            if key in samples:
                FAILS.append(f"duplicate series {s.name}{s.labels}")
            samples[key] = s.value
    return ctype, text, samples, types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--save", help="write the final scrape here")
    a = ap.parse_args()

    # Liveness is there from the start; the run's end is awaited.
    status, _, body = get(a.port, "/healthz")
    eq((status, body), (200, "ok\n"), "/healthz")
    deadline = time.time() + a.timeout
    while True:
        ctype, text, samples, types = scrape(a.port)
        if samples.get(("credpipe_run_finished", frozenset()), 0) == 1 and \
                os.path.exists(a.report):
            break
        if time.time() > deadline:
            print(f"metrics_check: FAIL: run not finished after {a.timeout}s", file=sys.stderr)
            return 1
        time.sleep(0.2)
    if a.save:
        with open(a.save, "w") as f:
            f.write(text)
    check(ctype.startswith("text/plain; version=0.0.4"), f"/metrics content type {ctype!r}")
    status, _, body = get(a.port, "/readyz")
    eq((status, body), (200, "ready\n"), "/readyz")
    eq(get(a.port, "/nope")[0], 404, "GET /nope")
    eq(get(a.port, "/metrics", "POST")[0], 405, "POST /metrics")

    with open(a.report) as f:
        rep = json.load(f)

    def val(name, **labels):
        return samples.get((name, frozenset(labels.items())))

    # ---- label values: identifiers and codes only
    ok_value = re.compile(r"^[A-Za-z0-9_.+\-]*$")
    for (name, labels), _ in samples.items():
        for k, v in labels:
            check(ok_value.match(v) and not re.search(r"\d{15}", v),
                  f"{name}: label {k}={v!r} is not an identifier or code")

    # ---- per source
    for s in rep["sources"]:
        L = {"source": s["source"], "category": s["category"], "role": s["role"]}
        sid = s["source"]
        read = val("credpipe_records_read_total", **L)
        produced = val("credpipe_records_produced_total", **L)
        dups = val("credpipe_records_duplicate_total", **L)
        rejected = {dict(lab)["reason"]: v for (n, lab), v in samples.items()
                    if n == "credpipe_records_rejected_total" and dict(lab)["source"] == sid}
        if not check(None not in (read, produced, dups), f"{sid}: record counters labelled"):
            continue
        eq(read, produced + dups + sum(rejected.values()),
           f"{sid}: read = produced + duplicate + rejected")
        eq(read, s["read"], f"{sid}: read")
        eq(produced, s["produced"], f"{sid}: produced")
        eq(dups, s["duplicates"], f"{sid}: duplicates")
        eq(sum(rejected.values()), s["rejects"], f"{sid}: rejects")
        eq(rejected, {k: float(v) for k, v in s.get("rejects_by_reason", {}).items()},
           f"{sid}: rejects by reason")
        eq(val("credpipe_removals_total", **L), s["removals"], f"{sid}: removals")
        eq(val("credpipe_unique_keys", **L), s["unique_keys"], f"{sid}: unique keys")
        for c, n in s["key_classes"].items():
            eq(val("credpipe_keys", **L, **{"class": c}), n, f"{sid}: keys class={c}")
        eq(val("credpipe_shared_keys", **L, match="exact"), s["shared_with_central"],
           f"{sid}: shared exact")
        eq(val("credpipe_shared_keys", **L, match="fuzzy"), s["shared_fuzzy"],
           f"{sid}: shared fuzzy")
        for r, n in s["unmatched"].items():
            eq(val("credpipe_unmatched_keys", **L, reason=r), n, f"{sid}: unmatched {r}")
        if s["role"] == "central":
            eq(val("credpipe_central_unreported_keys", **L), s["central_unreported"],
               f"{sid}: central unreported")
        else:
            eq(val("credpipe_central_unreported_keys", **L), None,
               f"{sid}: no central_unreported for a non-central source")
        eq(val("credpipe_discrepant_keys", **L), s["discrepant"], f"{sid}: discrepant")
        for fld, n in s["fields_compared"].items():
            eq(val("credpipe_fields_compared", **L, field=fld), n, f"{sid}: compared {fld}")
        for fld, n in s["fields_differing"].items():
            eq(val("credpipe_fields_differing", **L, field=fld), n, f"{sid}: differing {fld}")
        ttc = s["time_to_central"]
        cum = 0
        les = [str(b) for b in ttc["bounds_days"]] + ["+Inf"]
        for le, n in zip(les, ttc["buckets"]):
            cum += n
            eq(val("credpipe_time_to_central_days_bucket", **L, le=le), cum,
               f"{sid}: time to central le={le} (cumulative)")
        eq(val("credpipe_time_to_central_days_count", **L), ttc["count"], f"{sid}: lag count")
        eq(cum, ttc["count"], f"{sid}: report buckets sum to count")
        eq(val("credpipe_time_to_central_days_sum", **L), ttc["sum_days"], f"{sid}: lag sum")
        eq(val("credpipe_time_to_central_unknown", **L), ttc["unknown"], f"{sid}: lag unknown")
        seen = s["observed_time_to_central"]
        cum = 0
        les = [str(b) for b in seen["bounds_seconds"]] + ["+Inf"]
        for le, n in zip(les, seen["buckets"]):
            cum += n
            eq(val("credpipe_observed_time_to_central_seconds_bucket", **L, le=le), cum,
               f"{sid}: observed time to central le={le} (cumulative)")
        eq(val("credpipe_observed_time_to_central_seconds_count", **L), seen["count"],
           f"{sid}: observed count")
        eq(val("credpipe_observed_time_to_central_seconds_sum", **L), seen["sum_ms"] / 1000,
           f"{sid}: observed sum (seconds)")
        eq(val("credpipe_late_shared_keys", **L), seen["late_shared"], f"{sid}: late shared")
        eq(val("credpipe_window_ended_keys", **L), s["window_ended"]["keys"],
           f"{sid}: window ended")
        eq(val("credpipe_window_ended_removals_total", **L), s["window_ended"]["removals"],
           f"{sid}: window-ended removals")
        later = s["withdrawn_later"]
        eq(val("credpipe_withdrawn_later_keys", **L), later["keys"], f"{sid}: withdrawn later")
        eq(val("credpipe_withdrawn_later_removals_total", **L), later["removals"],
           f"{sid}: withdrawn-later removals")
        comp = s["completeness"]
        eq(val("credpipe_completeness_keys", **L), comp["keys"], f"{sid}: completeness keys")
        present = {dict(lab)["field"]: v for (n, lab), v in samples.items()
                   if n == "credpipe_field_present" and dict(lab)["source"] == sid}
        eq(present, {k: float(v) for k, v in comp["present"].items()}, f"{sid}: fields present")
        ids = s["ids"]
        for res in ("valid", "flagged", "invalid"):
            eq(val("credpipe_id_checks_total", **L, result=res), ids[res], f"{sid}: ids {res}")
        eq(ids["valid"] + ids["flagged"] + ids["invalid"], ids["present"],
           f"{sid}: id_present = valid + flagged + invalid")
        eq(val("credpipe_subjects", **L), s["subjects"], f"{sid}: subjects")

    # ---- pairs and totals
    for p in rep.get("pairs", []):
        eq(val("credpipe_overlap_keys", source=p["source"], other=p["other"]),
           p["overlap_keys"], f"overlap {p['source']}/{p['other']}")
        if "subjects_missing" in p:
            eq(val("credpipe_subjects_missing", source=p["source"], other=p["other"]),
               p["subjects_missing"], f"subjects missing {p['source']}/{p['other']}")
    n = len(rep["sources"])
    eq(sum(1 for (nm, _) in samples if nm == "credpipe_overlap_keys"), n * (n - 1),
       "overlap series: one per ordered pair i != j")
    tot = rep["totals"]
    eq(val("credpipe_central_keys"), tot["central_keys"], "central keys")
    as_of = datetime.datetime.strptime(rep["as_of"], "%Y-%m-%d").replace(
        tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    eq(val("credpipe_report_as_of_timestamp_seconds"), as_of.timestamp(), "as_of")
    eq(val("credpipe_report_timestamp_seconds"), rep["generated_at_ms"] / 1000, "generated_at")

    # ---- pipeline
    msgs = val("credpipe_kafka_messages_total")
    eq(val("credpipe_kafka_delivered_total"), msgs, "every message delivered")
    eq(val("credpipe_kafka_delivery_failures_total"), 0, "no delivery failures")
    eq(val("credpipe_kafka_records_total", kind="record"), tot["produced"], "records on Kafka")
    eq(val("credpipe_kafka_records_total", kind="reject"), tot["rejects"], "rejects on Kafka")
    check(val("credpipe_kafka_bytes_total", kind="protobuf") > 0, "protobuf bytes counted")
    check(val("credpipe_kafka_bytes_total", kind="wire") > 0, "wire bytes counted")
    eq(val("credpipe_batch_records_sum"), tot["read"], "batch sizes sum to records read")
    eq(val("credpipe_batch_records_bucket", le="+Inf"), val("credpipe_batch_records_count"),
       "batch histogram +Inf = count")
    check((val("credpipe_sharing_reports_total") or 0) >= 1, "a SharingReport was produced")
    for q in ("ingest", "sink"):
        eq(val("credpipe_queue_depth", queue=q), 0, f"queue {q} empty at the end")
        check((val("credpipe_queue_capacity", queue=q) or 0) >= 1, f"queue {q} capacity")
    eq(types.get("credpipe_records_read"), "counter", "records read is a counter")
    eq(types.get("credpipe_keys"), "gauge", "keys are a gauge")
    eq(types.get("credpipe_time_to_central_days"), "histogram", "time to central histogram")
    eq(val("credpipe_up"), 1, "credpipe_up")

    print(f"metrics_check: {len(samples)} series, {len(rep['sources'])} sources, "
          f"{len(FAILS)} failures")
    for f in FAILS[:40]:
        print(f"FAIL {f}")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
