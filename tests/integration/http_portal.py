#!/usr/bin/env python3
"""A small paginated JSON portal for the http source test, on loopback.

    http_portal.py --port-file FILE --log FILE [--max-lifetime SECONDS]

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
status. The content of each page is fixed by the page number and version,
so tests know the exact counts (see run_http_source_test.sh).
"""
import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

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


def make_handler(portal):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: we keep our own log
            pass

        def reply(self, status, body=b"", headers=()):
            inm = self.headers.get("If-None-Match", "-")
            portal.log.write(f"{self.path}\t{inm}\t{status}\n")
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

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

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-lifetime", type=float, default=600.0,
                    help="exit after this many seconds whatever happens")
    args = ap.parse_args()

    portal = Portal(args.log)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(portal))
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
