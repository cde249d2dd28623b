#!/usr/bin/python3
"""Loads the status page of a finished `credpipe run --once` in headless
Chromium and checks what is drawn against /metrics; with --report, also
the figures revised after a key's first view against the report JSON.

    status_page_check.py --port P --out DIR [--timeout S] [--report FILE]
    status_page_check.py --port P --report FILE --served-only

Waits (bounded) until /metrics says credpipe_run_finished 1, scrapes it
(prometheus_client's parser), then drives Debian's chromium through
chromium-driver with python3-selenium (Debian packages; scripts/setup.sh
installs them) and asserts, on the DOM as the browser built it:

  * one sharing bar per non-central source, with data-shared, data-fuzzy
    and data-active equal to credpipe_shared_keys{match="exact"|"fuzzy"} and
    credpipe_keys{class="active"}, and drawn to scale (bar / track =
    shared / active, in rendered pixels);
  * the overlap heatmap has n × n cells, each equal to credpipe_overlap_keys
    (diagonal: credpipe_unique_keys) in its data- attribute and its text;
  * completeness bars, missing-subject bars, time-to-central buckets,
    rejects by reason and the totals equal their metrics;
  * the run state is "finished" and the page does not reload itself;
  * every SVG text lies inside its drawing (nothing cut off at 1280 px);
  * the browser fetched nothing but the page's own loopback origin
    (Chrome's performance log lists every request).

Saves status.png (the first 1280 × 900 screen) and status-full.png (the
whole page, 1280 wide) in DIR and prints their paths.

--report FILE (`credpipe run --report-json`, or `credpipe report --format
json`): the section "Revised after a key's first view", read from the page
as served (Python's html.parser), must hold exactly the report's figures:
an observed-time-to-central panel for each non-central source with a delay
above 0 or a late share, with its count, sum_ms, late_shared and every
bucket (data- attributes and the count printed over each bar), the line
"all N shared keys ... delay 0" (N = their seen counts) for the others or
for all; a bar for each source with a key whose window ended or that a
later record withdrew (keys and removals of each, the still active keys),
the line "no key" when there is none. --served-only checks only that, on a
page of a running service (the run is not waited for, no browser: the
late_sweep test, where the figures are not 0, uses it).

Chromium gets a temporary profile, no sandbox when run as root (CI), no
GPU, and every background service off; it resolves no host name but
127.0.0.1, so it cannot contact anything but loopback.
"""
import argparse
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FAILS = []


def check(ok, what):
    if not ok:
        FAILS.append(what)
    return ok


def eq(got, want, what):
    return check(got == want, f"{what}: got {got!r}, want {want!r}")


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def scrape(port):
    """{(sample name, frozenset(labels)): value} of one scrape of /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    status, _, body = get(port, "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    samples = {}
    for fam in text_string_to_metric_families(body.decode()):
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def series(samples, name):
    """[(labels dict, value)] of one metric."""
    return [(dict(lab), v) for (n, lab), v in samples.items() if n == name]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


def chromium(profile, log_dir):
    """A headless Chromium that talks to loopback only."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    args = [
        "--headless=new", "--disable-gpu", f"--user-data-dir={profile}",
        "--window-size=1280,900", "--force-device-scale-factor=1", "--hide-scrollbars",
        "--lang=en-US", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--metrics-recording-only", "--disable-default-apps", "--disable-extensions",
        "--disable-breakpad", "--disable-crash-reporter", "--disable-domain-reliability",
        "--disable-client-side-phishing-detection", "--disable-features=Translate,"
        "OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication",
        "--no-pings", "--dns-prefetch-disable",
        # Every host name but the test's own address fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    for a in args:
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    svc = Service(executable_path=CHROMEDRIVER, log_path=os.path.join(log_dir, "chromedriver.log"))
    d = webdriver.Chrome(service=svc, options=o)
    d.set_page_load_timeout(30)
    d.set_script_timeout(30)
    return d


# Everything drawn, read from the DOM in one go.
DRAWN_JS = """
const rd = (sel) => [...document.querySelectorAll(sel)].map(e => {
  const p = e.previousElementSibling, n = e.nextElementSibling;
  return {d: {...e.dataset}, w: e.getBoundingClientRect().width,
          prevw: p ? p.getBoundingClientRect().width : null,
          prevcls: p ? p.getAttribute('class') : null,
          next: n ? n.textContent : null};
});
const outside = [];
for (const t of document.querySelectorAll('svg text')) {
  const r = t.getBoundingClientRect(), s = t.closest('svg').getBoundingClientRect();
  if (r.width > 0 && (r.left < s.left - 1 || r.right > s.right + 1 ||
                      r.top < s.top - 1 || r.bottom > s.bottom + 1))
    outside.push(t.textContent);
}
return {
  state: document.body.dataset.state,
  refresh: !!document.querySelector('meta[http-equiv="refresh"]'),
  scripts: document.scripts.length,
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight,
  bars: rd('rect.bar'), cells: rd('rect.cell'), present: rd('rect.present'),
  missing: rd('rect.missing'), lag: rd('rect.lag'), reasons: rd('rect.reason'),
  tiles: [...document.querySelectorAll('.tile')].map(e => ({...e.dataset})),
  outside: outside,
};
"""


def check_drawn(dr, samples):
    def val(name, **labels):
        for lab, v in series(samples, name):
            if all(lab.get(k) == w for k, w in labels.items()):
                return v
        return None

    sources = [lab for lab, _ in series(samples, "credpipe_unique_keys")]
    ids = [s["source"] for s in sources]
    noncentral = [s["source"] for s in sources if s["role"] != "central"]
    n = len(ids)
    check(n > 0, "/metrics lists no source")

    eq(dr["state"], "finished", "body data-state")
    eq(dr["refresh"], False, "a finished run's page reloads itself")
    eq(dr["scripts"], 0, "script elements")
    check(dr["width"] <= 1280, f"the page is {dr['width']} px wide at 1280")
    eq(dr["outside"], [], "SVG texts outside their drawing")

    # ---- sharing: one bar per non-central source, values and scale
    eq(sorted(b["d"]["source"] for b in dr["bars"]), sorted(noncentral),
       "one sharing bar per non-central source")
    for b in dr["bars"]:
        s, d = b["d"]["source"], b["d"]
        shared = val("credpipe_shared_keys", source=s, match="exact")
        fuzzy = val("credpipe_shared_keys", source=s, match="fuzzy")
        active = val("credpipe_keys", source=s, **{"class": "active"})
        eq(int(d["shared"]), shared, f"{s}: data-shared")
        eq(int(d["fuzzy"]), fuzzy, f"{s}: data-fuzzy")
        eq(int(d["active"]), active, f"{s}: data-active")
        eq(b["prevcls"], "track", f"{s}: the bar lies on its track")
        want = b["prevw"] * shared / active if active else 0
        check(abs(b["w"] - want) <= 1.5,
              f"{s}: bar drawn {b['w']:.1f} px, {want:.1f} px is shared/active of the track")
        check(active == 0 or b["prevw"] > 400, f"{s}: track only {b['prevw']} px wide")

    # ---- overlap heatmap: n × n, row-major
    eq(len(dr["cells"]), n * n, "heatmap cells")
    for k, c in enumerate(dr["cells"][: n * n]):
        i, j = divmod(k, n)
        d = c["d"]
        eq((d["row"], d["col"]), (ids[i], ids[j]), f"cell {k} position")
        want = val("credpipe_unique_keys", source=ids[i]) if i == j else \
            val("credpipe_overlap_keys", source=ids[i], other=ids[j])
        eq(int(d["overlap"]), want, f"overlap {ids[i]} x {ids[j]}")
        eq(int((c["next"] or "").replace(",", "")), want, f"overlap {ids[i]} x {ids[j]}: text")

    # ---- completeness: a bar per required field of every source
    fields = series(samples, "credpipe_field_present")
    eq(len(dr["present"]), len(fields), "completeness bars")
    for p in dr["present"]:
        d = p["d"]
        eq(int(d["present"]), val("credpipe_field_present", source=d["source"], field=d["field"]),
           f"{d['source']}: present {d['field']}")
        eq(int(d["keys"]), val("credpipe_completeness_keys", source=d["source"]),
           f"{d['source']}: completeness keys")

    # ---- subjects missing, same-category pairs
    eq(len(dr["missing"]), len(series(samples, "credpipe_subjects_missing")), "missing bars")
    for m in dr["missing"]:
        d = m["d"]
        eq(int(d["missing"]), val("credpipe_subjects_missing", source=d["source"],
                                  other=d["other"]), f"missing {d['source']} x {d['other']}")

    # ---- time to central: buckets are the differences of the cumulative ones
    eq(len(dr["lag"]), 8 * len(noncentral), "time-to-central bars")
    for l in dr["lag"]:
        d = l["d"]
        bounds = ["7", "14", "30", "60", "90", "180", "365", "+Inf"]
        k = bounds.index(d["le"])
        cum = val("credpipe_time_to_central_days_bucket", source=d["source"], le=d["le"])
        below = val("credpipe_time_to_central_days_bucket", source=d["source"],
                    le=bounds[k - 1]) if k else 0
        eq(int(d["keys"]), cum - below, f"{d['source']}: lag bucket le={d['le']}")

    # ---- rejects by reason, over all sources; totals
    by_reason = {}
    for lab, v in series(samples, "credpipe_records_rejected_total"):
        by_reason[lab["reason"]] = by_reason.get(lab["reason"], 0) + v
    eq({r["d"]["reason"]: int(r["d"]["records"]) for r in dr["reasons"]}, by_reason,
       "rejects by reason")
    tiles = {t["metric"]: int(t["value"]) for t in dr["tiles"]}
    for tile, metric in (("records_read", "credpipe_records_read_total"),
                         ("records_produced", "credpipe_records_produced_total"),
                         ("records_duplicate", "credpipe_records_duplicate_total"),
                         ("records_rejected", "credpipe_records_rejected_total")):
        eq(tiles.get(tile), sum(v for _, v in series(samples, metric)), f"tile {tile}")
    eq(tiles.get("kafka_delivered"), val("credpipe_kafka_delivered_total"), "tile delivered")
    eq(tiles.get("kafka_delivery_failures"), 0, "tile delivery failures")
    return len(noncentral), n


class LaterSection(HTMLParser):
    """The section "later" of a served page: its elements with an id or a
    data- attribute, each with its class, data- attributes and text (a <p>:
    all of it; a <rect>: the <text> drawn next, its count)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = False
        self.inside = False
        self.elems = []
        self.texting = None   # the <p> or <text> whose text is being read
        self.pending = None   # a rect whose count <text> comes next

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.inside = a.get("id") == "later"
            self.found |= self.inside
        if not self.inside:
            return
        data = {k[5:]: v for k, v in a.items() if k.startswith("data-")}
        if tag == "text" and self.pending is not None:
            self.texting, self.pending = self.pending, None
        elif data or "id" in a:
            e = {"tag": tag, "cls": a.get("class"), "id": a.get("id"), "data": data,
                 "text": ""}
            self.elems.append(e)
            if tag == "p":
                self.texting = e
            elif tag == "rect":
                self.pending = e

    def handle_endtag(self, tag):
        if tag == "section":
            self.inside = False
        if tag in ("p", "text"):
            self.texting = None

    def handle_data(self, data):
        if self.texting is not None:
            self.texting["text"] += data


def check_later(body, report):
    """The section "later" of the served page against the report JSON."""
    sec = LaterSection()
    sec.feed(body.decode("utf-8"))
    if not check(sec.found, 'no section "later" on the page'):
        return 0
    srcs = report["sources"]
    noncentral = [s for s in srcs if s["role"] != "central"]
    by_id = {e["id"]: e for e in sec.elems if e["id"]}

    def seen_later(s):
        o = s["observed_time_to_central"]
        return o["late_shared"] != 0 or o["count"] != o["buckets"][0]

    def left_later(s):
        return any(s[w][k] for w in ("window_ended", "withdrawn_later")
                   for k in ("keys", "removals"))

    def num(text):
        return int(text.replace(",", ""))

    # ---- observed time to central
    panels = {e["data"]["source"]: e["data"] for e in sec.elems if e["cls"] == "panel seen"}
    want = [s for s in noncentral if seen_later(s)]
    eq(sorted(panels), sorted(s["source"] for s in want), "observed time to central panels")
    for s in want:
        o, d, i = s["observed_time_to_central"], panels.get(s["source"], {}), s["source"]
        eq(int(d.get("seen-count", -1)), o["count"], f"{i}: seen_count")
        eq(int(d.get("seen-sum-ms", -1)), o["sum_ms"], f"{i}: seen_sum_ms")
        eq(int(d.get("late-shared", -1)), o["late_shared"], f"{i}: late_shared")
        bars = [e for e in sec.elems if e["cls"] == "seen" and e["data"]["source"] == i]
        eq([b["data"]["le"] for b in bars], [str(b) for b in o["bounds_seconds"]] + ["+Inf"],
           f"{i}: seen buckets' bounds")
        eq([int(b["data"]["keys"]) for b in bars], o["buckets"], f"{i}: seen buckets")
        eq([num(b["text"]) for b in bars], o["buckets"], f"{i}: seen buckets' text")
    rest = [s for s in noncentral if not seen_later(s)]
    at0 = sum(s["observed_time_to_central"]["count"] for s in rest)
    line = by_id.get("seen-rest" if want else "seen-none")
    if not want or rest:
        if check(line is not None, "no line for the sources at delay 0"):
            eq(int(line["data"]["keys"]), at0, "shared keys at delay 0")
            check(not at0 or f"{at0:,}" in line["text"],
                  f"the line at delay 0 does not say {at0:,}: {line['text']!r}")
    eq("seen-none" in by_id and bool(want), False, "the line 'all at delay 0' beside panels")

    # ---- keys that left the active set later
    left = {(e["data"]["source"], e["data"]["what"]): e["data"] for e in sec.elems
            if e["cls"] == "left"}
    still = {e["data"]["source"]: int(e["data"]["keys"]) for e in sec.elems
             if e["cls"] == "still"}
    want = [s for s in srcs if left_later(s)]
    eq(sorted(still), sorted(s["source"] for s in want), "bars of keys that left later")
    eq(len(left), 2 * len(want), "segments of keys that left later")
    for s in want:
        i = s["source"]
        eq(still.get(i), s["key_classes"]["active"], f"{i}: still active")
        for what in ("window_ended", "withdrawn_later"):
            d = left.get((i, what), {})
            eq(int(d.get("keys", -1)), s[what]["keys"], f"{i}: {what} keys")
            eq(int(d.get("removals", -1)), s[what]["removals"], f"{i}: {what} removals")
    eq("left-none" in by_id, not want, "the line 'no key left later'")
    return len(sec.elems)


def requests_made(driver):
    """Every URL the browser requested, from Chrome's performance log."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--report", help="the report JSON: check the figures revised later")
    ap.add_argument("--served-only", action="store_true",
                    help="only the figures revised later, on the page as served")
    a = ap.parse_args()
    origin = f"http://127.0.0.1:{a.port}"
    if a.served_only != (a.out is None) or (a.served_only and not a.report):
        ap.error("either --out DIR, or --served-only with --report FILE")
    def load_report():
        # Written at the run's end: read only once the run has finished.
        if not a.report:
            return None
        with open(a.report, encoding="utf-8") as f:
            return json.load(f)

    if a.served_only:
        report = load_report()
        status, _, body = get(a.port, "/")
        eq(status, 200, "GET /")
        n = check_later(body, report)
        for f in FAILS:
            print(f"status_page_check: FAIL: {f}", file=sys.stderr)
        print(f"status_page_check: {n} elements of the figures revised later, "
              f"{len(FAILS)} failure(s)")
        return 1 if FAILS else 0

    deadline = time.time() + a.timeout
    while True:
        samples = scrape(a.port)
        if samples.get(("credpipe_run_finished", frozenset()), 0) == 1:
            break
        if time.time() > deadline:
            print(f"status_page_check: FAIL: run not finished after {a.timeout}s",
                  file=sys.stderr)
            return 1
        time.sleep(0.2)
    report = load_report()

    # The page as served, before any browser.
    for path in ("/", "/status"):
        status, ctype, body = get(a.port, path)
        eq(status, 200, f"GET {path}")
        eq(ctype, "text/html; charset=utf-8", f"{path} content type")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as e:
            check(False, f"{path} is not UTF-8: {e}")
        for bad in (b"http://", b"https://", b"<script", b"src="):
            check(bad not in body, f"{path} holds {bad!r}")
        if report is not None and path == "/":
            check_later(body, report)

    profile = tempfile.mkdtemp(prefix="chromium-", dir=a.out)
    driver = None
    try:
        driver = chromium(profile, a.out)
        driver.get(origin + "/")
        drawn = driver.execute_script(DRAWN_JS)
        nbars, n = check_drawn(drawn, samples)
        urls = requests_made(driver)
        # chrome:// and data: are the browser's own pages (its new tab page
        # before the test's); anything that can leave the process may only
        # go to the page's origin.
        net = [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
        check(origin + "/" in net, f"the page itself is not among the requests {net}")
        eq([u for u in net if not u.startswith(origin + "/")], [],
           "network requests to anything but the page's own origin")

        # The first screen as an operator sees it, then the whole page.
        shot = os.path.join(a.out, "status.png")
        full = os.path.join(a.out, "status-full.png")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        check(driver.save_screenshot(shot), "screenshot")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 1280, "height": int(drawn["height"]), "deviceScaleFactor": 1,
            "mobile": False})
        check(driver.save_screenshot(full), "full-page screenshot")
        eq(png_size(shot), (1280, 900), "screenshot size")
        eq(png_size(full)[0], 1280, "full-page screenshot width")
        print(f"status_page_check: {nbars} sharing bars, {n}x{n} heatmap, "
              f"{len(net)} network request(s), all to {origin}")
        print(f"status_page_check: screenshot {shot}")
        print(f"status_page_check: full page {full}")
    finally:
        if driver:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

    for f in FAILS:
        print(f"status_page_check: FAIL: {f}", file=sys.stderr)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
