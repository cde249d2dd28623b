#!/usr/bin/env python3
"""A small paginated JSON portal for the http source tests, on loopback.

    http_portal.py --port-file FILE --log FILE [--max-lifetime SECONDS]
                   [--gen DIR [--faults]]

Binds 127.0.0.1 on a port the kernel chooses and writes it to --port-file
(atomically, once listening). Serves, with Python's standard library only:

  /api/penalties?pageNo=N&pageSize=4
      pages 1-3 of administrative penalties (双公示 CF_* keys) in a
      {"code":0,"data":{"total":..,"list":[..]}} envelope, page 4 and later
      with an empty list. Page 2 answers 503 (with Retry-After: 1) the first
      time it is asked for. Every page has an ETag ("p<N>-v<version>") and
      a Last-Modified, and If-None-Match with the current ETag gets 304.
  /api/broken?pageNo=N
      a page that is not JSON (a trailing comma), with an ETag too.
  /_control/bump?page=N
      changes page N (its version, so its ETag and its records' amounts).

Every request is logged to --log as one line: path, If-None-Match (or -),
status (with --gen, then If-Modified-Since or -). The content of each page
is fixed by the page number and version, so tests know the exact counts
(see run_http_source_test.sh).

With --gen DIR, it serves instead the portal `credpipe gen` wrote into
DIR/portal (DIR/portal/index.json says how each source is paged):

  /<source>?pageNo=N&pageSize=P       page mode: DIR/portal/<source>/page-N.json
  /<source>?limit=P[&cursor=TOKEN]    cursor mode: the page whose token it is
      (the first page without one); an unknown token answers 400.
      Page-mode pages carry an ETag (a hash of the bytes) and a
      Last-Modified and answer If-None-Match with 304; cursor-mode pages
      carry a Last-Modified only and answer If-Modified-Since with 304.
      With --faults, the first request of each source's page 2 answers 500
      and that of its page 3 429 (Retry-After: 1): back-off is exercised.
  /_control/replace?source=S&page=N   page N changes: its first element is
      dropped and the others reversed (new ETag, later Last-Modified); a
      run that fetched it again instead of reading its spooled copy would
      lose a record and read the others at other positions.
  /_control/down?on=1|0               every portal request answers 503.
  /_control/count                     how many portal pages were requested.
"""
import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import parse_qs, urlparse
import hashlib

PAGES = 3
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"


def record(page, i, version, **over):
    rec = {
        "CF_XDR_MC": f"杭州测试{page}{i}有限公司",
        "CF_WSH": f"杭综执罚〔2023〕{page * 100 + i}号",
        "CF_CFJG": "杭州市综合行政执法局",
        "CF_JDRQ": "2023-05-0%d" % (1 + i),
        "CF_NR_FK": "%d.5" % (version + i),
        "CF_SY": "未按规定设置垃圾分类收集容器",
    }
    rec.update(over)
    return rec


def page_records(page, version):
    """Exact content: 4 elements per page (the test's truth depends on it)."""
    if page == 1:
        return [record(1, i, version) for i in range(4)]
    if page == 2:
        # three records and one element that is not an object
        return [record(2, i, version) for i in range(3)] + ["not an object"]
    if page == 3:
        # two records, a duplicate of page 1's first one, and a record with
        # no subject at all (transform rejects it: subject_missing)
        dup = record(1, 0, version)
        nosubject = record(3, 9, version)
        del nosubject["CF_XDR_MC"]
        return [record(3, i, version) for i in range(2)] + [dup, nosubject]
    return []


class Portal:
    def __init__(self, log_path):
        self.lock = threading.Lock()
        self.version = {n: 1 for n in range(1, PAGES + 2)}
        self.failed_once = set()
        self.log = open(log_path, "a", encoding="utf-8", buffering=1)


class GenPortal:
    """The pages of `credpipe gen`'s portal (see the module's text)."""

    def __init__(self, gen_dir, faults, log_path):
        self.lock = threading.Lock()
        self.dir = os.path.join(gen_dir, "portal")
        with open(os.path.join(self.dir, "index.json"), encoding="utf-8") as f:
            self.index = {p["source"]: p for p in json.load(f)["portals"]}
        self.body = {}       # (source, page) -> bytes, once replaced
        self.version = {}    # (source, page) -> int
        self.faulted = set()
        self.faults = faults
        self.down = False
        self.requests = 0
        self.log = open(log_path, "a", encoding="utf-8", buffering=1)

    def page_of(self, source, q):
        p = self.index[source]
        if p["mode"] == "page":
            n = int(q.get("pageNo", ["0"])[0])
            return n if 1 <= n <= p["pages"] else None
        tok = q.get("cursor", [None])[0]
        try:
            return p["cursors"].index(tok) + 1
        except ValueError:
            return None

    def page(self, source, n):
        key = (source, n)
        if key not in self.body:
            with open(os.path.join(self.dir, source, f"page-{n}.json"), "rb") as f:
                self.body[key] = f.read()
        return self.body[key]

    def replace(self, source, n):
        doc = json.loads(self.page(source, n))
        path = self.index[source]["records"].split(".")
        arr = doc
        for k in path[:-1]:
            arr = arr[k]
        arr[path[-1]] = list(reversed(arr[path[-1]][1:]))
        self.body[(source, n)] = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        self.version[(source, n)] = self.version.get((source, n), 0) + 1

    def last_modified(self, source, n):
        # 2024-01-01 plus a day per version: later after each change.
        return 1704067200 + 86400 * self.version.get((source, n), 0)


class LoggingHandler(BaseHTTPRequestHandler):
    """Both portals' answers: each request logged as "path, If-None-Match,
    status, If-Modified-Since" (tab-separated) to self.portal.log, and no
    body with a 304. Subclasses set `portal`."""
    protocol_version = "HTTP/1.1"
    portal = None

    def log_message(self, fmt, *args):  # quiet: we keep our own log
        pass

    def reply(self, status, body=b"", headers=()):
        inm = self.headers.get("If-None-Match", "-")
        ims = self.headers.get("If-Modified-Since", "-")
        self.portal.log.write(f"{self.path}\t{inm}\t{status}\t{ims}\n")
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


def make_gen_handler(portal):
    class Handler(LoggingHandler):
        def do_GET(self):
            url = urlparse(self.path)
            q = parse_qs(url.query)
            source = url.path.strip("/")
            with portal.lock:
                if url.path == "/_control/replace":
                    portal.replace(q["source"][0], int(q["page"][0]))
                    return self.reply(200, b"ok")
                if url.path == "/_control/down":
                    portal.down = q["on"][0] == "1"
                    return self.reply(200, b"ok")
                if url.path == "/_control/count":
                    return self.reply(200, str(portal.requests).encode())
                if source not in portal.index:
                    return self.reply(404, b"no such portal")
                portal.requests += 1
                if portal.down:
                    return self.reply(503, b"down for maintenance")
                n = portal.page_of(source, q)
                if n is None:
                    return self.reply(400, b"no such page")
                if portal.faults and (source, n) not in portal.faulted and n in (2, 3):
                    portal.faulted.add((source, n))
                    if n == 2:
                        return self.reply(500, b"internal error")
                    return self.reply(429, b"slow down", [("Retry-After", "1")])
                body = portal.page(source, n)
                lm_t = portal.last_modified(source, n)
                headers = [("Last-Modified", formatdate(lm_t, usegmt=True)),
                           ("Content-Type", "application/json; charset=utf-8")]
                cursor = portal.index[source]["mode"] == "cursor"
                etag = None
                if not cursor:
                    etag = '"%s-%d-%s"' % (source, n, hashlib.sha1(body).hexdigest()[:12])
                    headers.append(("ETag", etag))
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if etag and inm is not None:
                    if inm == etag:
                        return self.reply(304, headers=headers)
                elif ims is not None:
                    try:
                        if parsedate_to_datetime(ims).timestamp() >= lm_t:
                            return self.reply(304, headers=headers)
                    except (TypeError, ValueError):
                        pass
                self.reply(200, body, headers)

    Handler.portal = portal
    return Handler


def make_handler(portal):
    class Handler(LoggingHandler):
        def do_GET(self):
            url = urlparse(self.path)
            q = parse_qs(url.query)
            with portal.lock:
                if url.path == "/_control/bump":
                    n = int(q["page"][0])
                    portal.version[n] += 1
                    return self.reply(200, b"ok")
                if url.path not in ("/api/penalties", "/api/broken"):
                    return self.reply(404, b"no such page")
                n = int(q.get("pageNo", ["1"])[0])
                broken = url.path == "/api/broken"
                version = 1 if broken else portal.version.get(n, 1)
                etag = f'"{"b" if broken else "p"}{n}-v{version}"'
                if not broken and n == 2 and 2 not in portal.failed_once:
                    portal.failed_once.add(2)
                    return self.reply(503, b"busy", [("Retry-After", "1")])
                if self.headers.get("If-None-Match") == etag:
                    return self.reply(304, headers=[("ETag", etag)])
                if broken:
                    body = '{"code":0,"data":{"list":[{"CF_XDR_MC":"x"},]}}'
                else:
                    body = json.dumps(
                        {"code": 0, "msg": "操作成功",
                         "data": {"total": 4 * PAGES, "pageNo": n,
                                  "list": page_records(n, version)}},
                        ensure_ascii=(n % 2 == 0), indent=1 if n == 3 else None)
                self.reply(200, body.encode("utf-8"),
                           [("ETag", etag), ("Last-Modified", LAST_MODIFIED),
                            ("Content-Type", "application/json; charset=utf-8")])

    Handler.portal = portal
    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-lifetime", type=float, default=600.0,
                    help="exit after this many seconds whatever happens")
    ap.add_argument("--gen", help="serve the portal `credpipe gen` wrote here")
    ap.add_argument("--faults", action="store_true",
                    help="with --gen: a 500 and a 429 per source")
    args = ap.parse_args()

    if args.gen:
        handler = make_gen_handler(GenPortal(args.gen, args.faults, args.log))
    else:
        handler = make_handler(Portal(args.log))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, args.port_file)

    # Never outlive the test, even if it was killed before its trap ran.
    threading.Timer(args.max_lifetime, lambda: os._exit(3)).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
