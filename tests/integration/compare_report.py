#!/usr/bin/python3
"""Compares a sharing report with truth.json, figure by figure.

    compare_report.py --truth gen/truth.json --report report.json

The report is what `credpipe run --report-json` (or `credpipe report
--format json`) writes; truth.json is what `credpipe gen` writes. Every
figure of docs/metrics.md the truth holds is compared exactly (rates to
1e-9); the report must hold it too. Per-source `produced` and `duplicates`
of a non-central source that shares keys with another non-central source
(the truth's pairs say so) depend on which of the two reads such a key
first (the run reads them concurrently), so they are compared only
through their sum, read - rejects; those of every other source, and the
totals, are compared exactly. Besides, the report's own invariants are
checked, so that a truth wrong the same way as the report does not hide
everything:

    read = produced + duplicates + rejects, rejects = sum of rejects_by_reason
    unique_keys = sum of key_classes        (non-central sources)
    active = shared + shared_fuzzy + sum of unmatched
    completeness.keys = active (non-central) or unique_keys (central)
    time_to_central: count = sum of buckets, shared = count + unknown
    observed_time_to_central: count = sum of buckets = shared (non-central)
    (after keys left by their window's end, window_ended.keys, or were
    withdrawn by a later record, withdrawn_later.keys: completeness counts
    them too, and the time-to-central counts hold up to them)
    withdrawn_later.removals <= withdrawn_later.keys, <= removals
    ids.present = valid + flagged + invalid

check_output.py uses compare() for the report file and for the
SharingReport read back from Kafka (converted to the same shape).
Exit status: 0 when everything holds, 1 when something differs, 2 on a
usage error.
"""

import argparse
import json
import math
import sys

RATE_EPS = 1e-9
RATES = ("sharing_rate", "sharing_rate_with_fuzzy")
# Compared through their sum only (see above).
ORDER_DEPENDENT = ("produced", "duplicates")
# Dicts whose every key the report must carry, zeros included.
FULL_DICTS = {
    "key_classes": ("active", "withdrawn", "not_eligible", "expired", "not_yet_due"),
    "unmatched": ("no_subject_id", "masked_only", "id_suspect", "weak_key", "none"),
    "fields_compared": ("subject_name", "authority", "decision_date", "list_date",
                        "valid_to", "penalty_type", "fine_amount", "case_number"),
}
FULL_DICTS["fields_differing"] = FULL_DICTS["fields_compared"]
NO_DIFFERENCE = object()


def _eq(a, b, path):
    """Differences between truth value a and report value b, as strings."""
    if isinstance(a, bool) or isinstance(b, bool):
        return [] if a == b else [f"{path}: got {b!r}, want {a!r}"]
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(b, (int, float)) and isinstance(a, (int, float)) and \
            math.isfinite(float(b)) and abs(float(a) - float(b)) <= RATE_EPS
        return [] if ok else [f"{path}: got {b!r}, want {a!r}"]
    if isinstance(a, dict):
        if not isinstance(b, dict):
            return [f"{path}: got {b!r}, want an object"]
        out = []
        for k in a:
            if k not in b:
                out.append(f"{path}.{k}: missing, want {a[k]!r}")
            else:
                out += _eq(a[k], b[k], f"{path}.{k}")
        for k in b:
            if k not in a:
                out.append(f"{path}.{k}: unexpected {b[k]!r}")
        return out
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return [f"{path}: got {b!r}, want {a!r}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += _eq(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: got {b!r}, want {a!r}"]


def _nonzero(d):
    return {k: v for k, v in (d or {}).items() if v}


def compare_source(t, g, order_dependent=True):
    """Failures of report source g against truth source t: [(check, detail)].
    order_dependent: produced and duplicates are not compared (see above)."""
    sid = t.get("source")
    out = []
    for f, want in t.items():
        if f in ORDER_DEPENDENT and order_dependent:
            continue
        if f not in g:
            out.append((f"per-source {f}", f"{sid}: missing in the report, want {want!r}"))
            continue
        got = g[f]
        if f == "rejects_by_reason":
            # Only codes that occurred; a zero entry is not an error.
            got, want = _nonzero(got), _nonzero(want)
        if f in RATES:
            want = float(want)
        for d in _eq(want, got, sid + "." + f):
            out.append((f"per-source {f}", d))
        if f in FULL_DICTS and isinstance(got, dict):
            lack = [k for k in FULL_DICTS[f] if k not in got]
            if lack:
                out.append((f"per-source {f} complete", f"{sid}: lacks {lack}"))
    return out


def invariants(g, central):
    """Failures of a report source's own arithmetic: [(check, detail)]."""
    sid = g.get("source")
    out = []

    def need(cond, name, detail):
        if not cond:
            out.append((f"invariant {name}", f"{sid}: {detail}"))

    def has(*keys):
        return all(k in g for k in keys)

    if has("read", "produced", "duplicates", "rejects"):
        need(g["produced"] + g["duplicates"] + g["rejects"] == g["read"],
             "read = produced + duplicates + rejects",
             f"{g['produced']}+{g['duplicates']}+{g['rejects']} != {g['read']}")
    if has("rejects", "rejects_by_reason"):
        need(sum(g["rejects_by_reason"].values()) == g["rejects"],
             "rejects = sum of rejects_by_reason",
             f"{sum(g['rejects_by_reason'].values())} != {g['rejects']}")
    if has("removals", "produced"):
        need(g["removals"] <= g["produced"], "removals <= produced",
             f"{g['removals']} > {g['produced']}")
    classes = g.get("key_classes")
    if isinstance(classes, dict) and "unique_keys" in g:
        total = sum(classes.values())
        if central:
            need(total == 0, "central sources have no classes", f"classes {classes}")
        else:
            need(total == g["unique_keys"], "unique_keys = sum of key_classes",
                 f"{total} != {g['unique_keys']}")
    active = classes.get("active", 0) if isinstance(classes, dict) else None
    if active is not None and has("shared_with_central", "shared_fuzzy", "unmatched"):
        s = g["shared_with_central"] + g["shared_fuzzy"] + sum(g["unmatched"].values())
        need(s == active, "active = shared + shared_fuzzy + sum of unmatched",
             f"{s} != {active}")
    # Keys whose window ended while the service ran, or that a later record
    # withdrew, left the active set; what was counted at their first view
    # keeps them (docs/metrics.md).
    later = g.get("withdrawn_later") or {}
    ended = (g.get("window_ended") or {}).get("keys", 0) + later.get("keys", 0)
    if later:
        need(later.get("removals", 0) <= later.get("keys", 0),
             "withdrawn_later.removals <= withdrawn_later.keys", f"{later}")
        if "removals" in g:
            need(later.get("removals", 0) <= g["removals"], "withdrawn_later.removals <= removals",
                 f"{later.get('removals')} > {g['removals']}")
    c = g.get("completeness")
    if isinstance(c, dict) and "keys" in c:
        want = g.get("unique_keys") if central else \
            (active + ended if active is not None else None)
        if want is not None:
            need(c["keys"] == want, "completeness.keys = active (+ window_ended + withdrawn_later; "
                 "central: unique_keys)",
                 f"{c['keys']} != {want}")
        for f, n in (c.get("present") or {}).items():
            need(0 <= n <= c["keys"], "completeness present <= keys", f"{f} {n} > {c['keys']}")
    lag = g.get("time_to_central")
    if isinstance(lag, dict) and "buckets" in lag:
        need(sum(lag["buckets"]) == lag.get("count"), "lag count = sum of buckets",
             f"{sum(lag['buckets'])} != {lag.get('count')}")
        if "shared_with_central" in g:
            n = lag.get("count", 0) + lag.get("unknown", 0)
            need(n == g["shared_with_central"] if not ended else
                 g["shared_with_central"] <= n <= g["shared_with_central"] + ended,
                 "shared = lag count + unknown (+ shared keys whose window ended or withdrawn later)",
                 f"{lag.get('count')}+{lag.get('unknown')} vs {g['shared_with_central']}")
    seen = g.get("observed_time_to_central")
    if isinstance(seen, dict) and "buckets" in seen:
        need(sum(seen["buckets"]) == seen.get("count"), "observed count = sum of buckets",
             f"{sum(seen['buckets'])} != {seen.get('count')}")
        if "shared_with_central" in g and not central:
            n = seen.get("count", 0)
            need(n == g["shared_with_central"] if not ended else
                 g["shared_with_central"] <= n <= g["shared_with_central"] + ended,
                 "shared = observed count (+ shared keys whose window ended or withdrawn later)",
                 f"{n} vs {g['shared_with_central']}")
            need(seen.get("late_shared", 0) <= n, "late_shared <= observed count",
                 f"{seen.get('late_shared')} > {n}")
    ids = g.get("ids")
    if isinstance(ids, dict) and "present" in ids:
        need(ids["present"] == ids.get("valid", 0) + ids.get("flagged", 0) + ids.get("invalid", 0),
             "ids.present = valid + flagged + invalid", f"{ids}")
    cmp_, dif = g.get("fields_compared"), g.get("fields_differing")
    if isinstance(cmp_, dict) and isinstance(dif, dict):
        for f, n in dif.items():
            need(n <= cmp_.get(f, 0), "differing <= compared", f"{f}: {n} > {cmp_.get(f, 0)}")
        if "discrepant" in g:
            need(g["discrepant"] <= sum(dif.values()) and
                 (g["discrepant"] > 0) == (sum(dif.values()) > 0),
                 "discrepant within differing fields", f"{g['discrepant']} vs {dif}")
    return out


def racing_sources(truth):
    """The non-central sources that share keys with another non-central
    source: which of them produces such a key depends on read order.
    Without pairs in the truth, every source."""
    srcs = {s["source"]: s for s in truth.get("sources") or []}
    if "pairs" not in truth:
        return set(srcs)
    out = set()
    for p in truth["pairs"]:
        a, b = srcs.get(p["source"], {}), srcs.get(p["other"], {})
        if p.get("overlap_keys") and a.get("role") != "central" and b.get("role") != "central":
            out.add(p["source"])
    return out


def compare(truth, report, label="report"):
    """Failures of a report against the truth: a list of (check, detail)."""
    out = []
    if "schema_version" in truth:
        if report.get("schema_version") != truth["schema_version"]:
            out.append((f"{label}: schema_version",
                        f"got {report.get('schema_version')!r}, want {truth['schema_version']!r}"))
    if "as_of" in truth:
        if report.get("as_of") != truth["as_of"]:
            out.append((f"{label}: as_of",
                        f"got {report.get('as_of')!r}, want {truth['as_of']!r}"))
    tt, gt = truth.get("totals") or {}, report.get("totals") or {}
    for f in tt:
        if gt.get(f) != tt[f]:
            out.append((f"{label}: totals.{f}", f"got {gt.get(f)!r}, want {tt[f]!r}"))
    tsrc = {s["source"]: s for s in truth.get("sources") or []}
    gsrc = {s.get("source"): s for s in report.get("sources") or []}
    if sorted(tsrc) != sorted(gsrc):
        out.append((f"{label}: sources", f"got {sorted(gsrc)}, want {sorted(tsrc)}"))
    racing = racing_sources(truth)
    for sid, t in tsrc.items():
        g = gsrc.get(sid)
        if g is None:
            continue
        out += [(f"{label}: {c}", d) for c, d in compare_source(t, g, sid in racing)]
        out += [(f"{label}: {c}", d) for c, d in invariants(g, t.get("role") == "central")]
    if "pairs" in truth:
        tp = {(p["source"], p["other"]): p for p in truth["pairs"]}
        gp = {(p.get("source"), p.get("other")): p for p in report.get("pairs") or []}
        if sorted(tp) != sorted(gp):
            out.append((f"{label}: pairs", f"missing {sorted(set(tp) - set(gp))[:10]}, "
                        f"unexpected {sorted(set(gp) - set(tp))[:10]}"))
        for k, p in tp.items():
            q = gp.get(k)
            if q is None:
                continue
            for d in _eq(p, q, f"{k[0]}->{k[1]}"):
                out.append((f"{label}: pairs", d))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True, help="truth.json of credpipe gen")
    ap.add_argument("--report", required=True, help="report JSON of credpipe run")
    ap.add_argument("--max", type=int, default=10, help="details shown per check")
    a = ap.parse_args()
    try:
        with open(a.truth, encoding="utf-8") as f:
            truth = json.load(f)
        with open(a.report, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        sys.stderr.write(f"compare_report: {e}\n")
        return 2
    fails = compare(truth, report)
    byname = {}
    for name, detail in fails:
        byname.setdefault(name, []).append(detail)
    for name, details in byname.items():
        print(f"FAIL {name} ({len(details)}x)")
        for d in details[:a.max]:
            print(f"     {d}")
        if len(details) > a.max:
            print(f"     ... and {len(details) - a.max} more")
    print(f"compare_report: {'FAILED, ' + str(len(fails)) + ' differences' if fails else 'OK'}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
