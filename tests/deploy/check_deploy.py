#!/usr/bin/python3
"""Checks everything in deploy/ that can be checked without a container
runtime or a cluster.

    check_deploy.py --source-dir DIR --credpipe BIN --work DIR
                    [--build-dir DIR --cmake CMAKE]

  * every YAML and JSON file of deploy/ parses (no duplicate keys);
  * the relative links of docs/operations.md, deploy/README.md and the
    README's "Deploying" section lead to files and headings that exist;
  * the systemd unit has the directives of a notify service with its state
    directory and hardening; `systemd-analyze verify` accepts it (with
    ExecStart at BIN, alone and with every example drop-in; and as
    `cmake --install` writes it), `systemd-analyze security --offline=yes`
    rates its exposure at most MAX_EXPOSURE, and docs/operations.md records
    that score (systemd 252); systemd-sysusers accepts the sysusers.d file;
  * the Dockerfile builds on debian:12 and runs on debian:12-slim as a
    numeric non-root user; its build stage installs the package of every
    pkg-config module the CMake files ask for, its runtime stage the
    package of every shared library BIN links, and every package it names
    exists in this Debian's archive;
  * the compose file runs Kafka in KRaft mode, credpipe, Prometheus and
    Grafana, and every file it mounts exists; docker-compose (v1, Debian's
    package), when installed, validates it against the Compose schema;
  * the Kubernetes manifests: a StatefulSet with a state volume, probes on
    /healthz and /readyz at the metrics port, a non-root read-only
    securityContext without capabilities, a ConfigMap whose configuration
    listens where the probes look, a headless Service with scrape
    annotations;
  * every configuration in deploy/ (systemd example, ConfigMap, compose
    overlay on `credpipe gen` output) passes `credpipe check --no-data`;
  * every metric, label and label value the Grafana dashboard and the
    Prometheus rules use is in docs/metrics.md and in the /metrics of a real
    `credpipe run --once`; /healthz and /readyz answer there;
  * promtool, when installed (or $PROMTOOL): `check config`, `check rules`,
    `test rules`, and the dashboard's queries parse; a Prometheus server,
    when installed (or $PROMETHEUS), scrapes the real run on loopback and
    every dashboard query is evaluated against it.

A check that cannot run on this machine (no systemd-analyze, no apt
metadata, no promtool) is reported as SKIP with the reason; a check that
ran and found a problem is FAIL and makes the exit code 1. Everything
listens on and connects to 127.0.0.1 only, and every wait has a deadline.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml

MAX_EXPOSURE = 2.0  # systemd-analyze security, 0 (best) to 10
# Series that exist only while the pipeline runs: a finished --once run,
# whose /metrics the checks scrape, has no queues left.
ONLY_WHILE_RUNNING = {"credpipe_queue_depth", "credpipe_queue_capacity"}
RESULTS = []  # (status, name, detail)


def result(status, name, detail=""):
    RESULTS.append((status, name, detail))
    line = f"{status:4} {name}"
    if detail:
        line += ": " + detail
    print(line, flush=True)


class Check:
    """Collects failures of one named check."""

    def __init__(self, name):
        self.name = name
        self.fails = []
        self.notes = []

    def expect(self, ok, what):
        if not ok:
            self.fails.append(what)
        return ok

    def note(self, what):
        self.notes.append(what)

    def done(self):
        if self.fails:
            result("FAIL", self.name, "; ".join(self.fails))
        else:
            result("PASS", self.name, "; ".join(self.notes))


def skip(name, why):
    result("SKIP", name, why)


def run(cmd, timeout=120, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


# ------------------------------------------------------------------ parsing

class UniqueKeyLoader(yaml.SafeLoader):
    pass


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=UniqueKeyLoader)]


def load_yaml(path):
    docs = load_yaml_all(path)
    return docs[0] if docs else None


def check_parse(deploy):
    c = Check("parse: every YAML and JSON file in deploy/")
    n = 0
    for dirpath, _, files in os.walk(deploy):
        for fn in sorted(files):
            p = os.path.join(dirpath, fn)
            rel = os.path.relpath(p, deploy)
            try:
                if fn.endswith((".yaml", ".yml")):
                    load_yaml_all(p)
                    n += 1
                elif fn.endswith(".json"):
                    with open(p, encoding="utf-8") as f:
                        json.load(f, object_pairs_hook=_no_dup_json)
                    n += 1
            except Exception as e:  # noqa: BLE001 - any parse error is the finding
                c.expect(False, f"{rel}: {e}")
    c.expect(n >= 10, f"only {n} YAML/JSON files found")
    c.note(f"{n} files")
    c.done()


def _no_dup_json(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate JSON keys {sorted(dup)}")
    return dict(pairs)


# ---------------------------------------------------------- docs/metrics.md

def doc_metrics(src):
    """{name: {"type", "labels": set, "values": {label: set}}} from the
    tables of docs/metrics.md's "Prometheus metrics" section."""
    text = open(os.path.join(src, "docs", "metrics.md"), encoding="utf-8").read()
    sec = text.split("## Prometheus metrics", 1)[1]
    sec = re.split(r"\n## ", sec, maxsplit=1)[0]
    out = {}
    base = set()
    header = None
    for line in sec.splitlines():
        if line.startswith("Per source"):
            base = {"source", "category", "role"}
        elif line.startswith("Pairs"):
            base = {"source", "other"}
        elif line.startswith("Whole run"):
            base = set()
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "metric":
            header = cells
            continue
        if header is None or set(cells[0]) <= set("-: "):
            continue
        m = re.fullmatch(r"`(credpipe_[a-z0-9_]+)`", cells[0])
        if not m:
            continue
        row = dict(zip(header, cells))
        labels = set(base)
        values = {}
        lab = row.get("extra label") or row.get("labels") or ""
        names = re.findall(r"`([a-z_]+)`", lab)
        if names and names[0] != "_bucket":
            labels.add(names[0])
            if "=" in lab:
                values[names[0]] = set(names[1:])
        out[m.group(1)] = {"type": row.get("type", ""), "labels": labels, "values": values}
    return out


def known_series_names(docm):
    names = {}
    for name, d in docm.items():
        names[name] = name
        if d["type"] == "histogram":
            for suf in ("_bucket", "_sum", "_count"):
                names[name + suf] = name
    return names


# ------------------------------------------------------------------- PromQL

SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([\w\s,]*)\)")
FUNCS_AND_WORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring", "group_left",
    "group_right", "rate", "increase", "irate", "histogram_quantile", "time", "absent",
    "and", "or", "unless", "offset", "bool", "round", "label_values", "topk", "bottomk",
    "delta", "changes", "resets", "clamp_min", "clamp_max", "abs", "vector", "scalar",
    "humanize", "humanizePercentage", "sort", "sort_desc",
}


def metric_names(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # no words inside strings
    expr = re.sub(r"\[[^\]]*\]", "", expr)            # ranges
    expr = re.sub(r"\{[^}]*\}", "", expr)             # label matchers
    expr = GROUPING.sub("", expr)
    names = set()
    for tok in re.findall(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)", expr):
        if tok in FUNCS_AND_WORDS or re.fullmatch(r"\d.*", tok):
            continue
        names.add(tok)
    return names


def selectors(expr):
    """[(metric, [(label, op, value)])] for every metric{...} of expr."""
    out = []
    for m in SELECTOR.finditer(expr):
        out.append((m.group(1), MATCHER.findall(m.group(2))))
    return out


def groupings(expr):
    labs = set()
    for m in GROUPING.finditer(expr):
        labs |= {x.strip() for x in m.group(1).split(",") if x.strip()}
    return labs


def literal_alternatives(value):
    """Literal values of a matcher value: 'a', or 'a|b' of plain words."""
    if re.fullmatch(r"[A-Za-z0-9_.\-]+(\|[A-Za-z0-9_.\-]+)*", value):
        return value.split("|")
    return []


def dashboard_exprs(dash):
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((p.get("title", "?"), t["expr"]))
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query" and q:
            m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q.strip())
            out.append((f"variable {v['name']}", m.group(1) if m else q))
    return out


def rules_exprs(rules_doc):
    out, recorded = [], set()
    for g in rules_doc.get("groups", []):
        for r in g.get("rules", []):
            name = r.get("alert") or r.get("record")
            out.append((name, r["expr"]))
            if r.get("record"):
                recorded.add(r["record"])
    return out, recorded


def check_query_names(c, where, expr, series_names, docm, extra_names, scrape=None):
    """Metric names, selector labels and literal label values of expr
    against docs/metrics.md (and the real scrape when given)."""
    names = metric_names(expr)
    used_labels = set()
    for n in names:
        if n in extra_names:
            continue
        if not c.expect(n in series_names, f"{where}: {n} is not in docs/metrics.md"):
            continue
        if scrape is not None and n not in ONLY_WHILE_RUNNING:
            c.expect(n in scrape, f"{where}: {n} is not in the /metrics of a real run")
    for metric, matchers in selectors(expr):
        if metric not in series_names:
            continue
        base = series_names[metric]
        doc_labels = docm[base]["labels"] | ({"le"} if metric.endswith("_bucket") else set())
        used_labels |= doc_labels
        for label, op, value in matchers:
            if label in ("job", "instance"):
                continue
            c.expect(label in doc_labels,
                     f"{where}: {metric} has no label {label} in docs/metrics.md")
            if "$" in value or op not in ("=", "=~"):
                continue
            for v in literal_alternatives(value):
                doc_values = docm[base]["values"].get(label)
                if doc_values:
                    c.expect(v in doc_values,
                             f"{where}: {metric}{{{label}=\"{v}\"}}: docs/metrics.md lists "
                             f"{sorted(doc_values)}")
                if scrape is not None and metric in scrape:
                    seen = {s.get(label) for s in scrape[metric]}
                    c.expect(v in seen, f"{where}: no {metric}{{{label}=\"{v}\"}} in the "
                             f"/metrics of a real run (values {sorted(x for x in seen if x)})")
    for n in names:
        if n in series_names:
            used_labels |= docm[series_names[n]]["labels"]
    for lab in groupings(expr):
        c.expect(lab in used_labels | {"job", "instance", "le"},
                 f"{where}: grouping label {lab} is on none of its metrics")


# --------------------------------------------------------------- real run

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def parse_exposition(text):
    """{series name: [labels dict, ...]}"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+", line)
        if not m:
            continue
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.setdefault(m.group(1), []).append(labels)
    return out


class RealRun:
    """`credpipe gen` + `credpipe run --once` on the embedded broker, serving
    /metrics on loopback until stopped."""

    def __init__(self, credpipe, work):
        self.credpipe = credpipe
        self.work = os.path.join(work, "run")
        self.proc = None
        self.port = None
        self.text = None
        self.error = None

    def start(self):
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        g = run([self.credpipe, "gen", "--out", os.path.join(self.work, "gen"), "--rows", "2000",
                 "--seed", "7"], timeout=300)
        if g.returncode != 0:
            self.error = f"credpipe gen failed: {g.stderr.strip()[-400:]}"
            return False
        portfile = os.path.join(self.work, "port")
        self.log = open(os.path.join(self.work, "run.log"), "w")
        self.proc = subprocess.Popen(
            [self.credpipe, "run", "-c", os.path.join(self.work, "gen", "credpipe.yaml"), "--once",
             "--no-progress", "--metrics-listen", "127.0.0.1:0", "--metrics-port-file", portfile,
             "--linger-ms", "240000"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.error = f"credpipe run exited {self.proc.returncode} early"
                return False
            if os.path.exists(portfile) and open(portfile).read().strip().isdigit():
                self.port = int(open(portfile).read().strip())
                break
            time.sleep(0.1)
        else:
            self.error = "no metrics port after 120 s"
            return False
        while time.time() < deadline + 180:
            code, text = http_get(f"http://127.0.0.1:{self.port}/metrics")
            if code == 200 and re.search(r"^credpipe_run_finished 1\b", text, re.M):
                self.text = text
                return True
            if self.proc.poll() is not None:
                self.error = f"credpipe run exited {self.proc.returncode} before finishing"
                return False
            time.sleep(0.2)
        self.error = "the run did not finish within 300 s"
        return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()


# ----------------------------------------------------------------- configs

def credpipe_check(credpipe, path):
    """`credpipe check -c path --no-data` against a closed loopback port
    (the brokers' warning is expected). Returns (ok, detail)."""
    brokers = f"127.0.0.1:{free_port()}"
    r = run([credpipe, "check", "-c", path, "--no-data", "--brokers", brokers], timeout=120)
    if r.returncode == 0:
        return True, ""
    return False, f"exit {r.returncode}: {(r.stderr or r.stdout).strip()[-600:]}"


# ----------------------------------------------------------------- systemd

def unit_directives(path):
    """{key: [values]} of a unit file's [Service]/[Unit]/[Install] lines."""
    out = {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        k, _, v = line.partition("=")
        out.setdefault(k.strip(), []).append(v.strip())
    return out


def check_unit_static(deploy):
    c = Check("systemd: unit directives")
    d = unit_directives(os.path.join(deploy, "systemd", "credpipe.service"))

    def has(key, value=None):
        vals = d.get(key)
        if vals is None:
            return c.expect(False, f"no {key}=")
        if value is not None:
            return c.expect(value in vals, f"{key}={vals[-1]}, want {value}")
        return True

    has("Type", "notify")
    has("NotifyAccess", "main")
    has("ExecStart", "/usr/bin/credpipe run -c /etc/credpipe/credpipe.yaml")
    has("ExecReload", "/bin/kill -HUP $MAINPID")
    has("WatchdogSec", "30s")
    has("Restart", "on-failure")
    has("StateDirectory", "credpipe")
    has("User", "credpipe")
    has("ProtectSystem", "strict")
    has("UMask", "0077")
    has("CapabilityBoundingSet", "")
    has("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX")
    has("SystemCallFilter", "@system-service")
    for k in ("ProtectHome", "PrivateTmp", "PrivateDevices", "NoNewPrivileges",
              "MemoryDenyWriteExecute", "LockPersonality", "RestrictRealtime",
              "RestrictNamespaces", "ProtectKernelTunables", "ProtectKernelModules",
              "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname",
              "RestrictSUIDSGID"):
        has(k, "yes")
    c.done()


def systemd_analyze_usable(tmp):
    """None when systemd-analyze verifies a trivial unit here, else why not."""
    sa = shutil.which("systemd-analyze")
    if not sa:
        return "systemd-analyze is not installed"
    os.makedirs(tmp, exist_ok=True)
    probe = os.path.join(tmp, "cp-probe.service")
    with open(probe, "w") as f:
        f.write("[Service]\nType=oneshot\nExecStart=/bin/true\n")
    try:
        r = run([sa, "verify", probe], timeout=60)
    except subprocess.TimeoutExpired:
        return "systemd-analyze verify of a trivial unit timed out"
    if r.returncode != 0:
        return ("systemd-analyze cannot verify even a trivial unit here: "
                + (r.stderr or r.stdout).strip()[-300:])
    return None


def verify_unit(c, unit_path, env=None, label=""):
    r = run(["systemd-analyze", "verify", unit_path], timeout=120, env=env)
    ours = os.path.dirname(unit_path)
    lines = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
    mine = [ln for ln in lines if ours in ln or "credpipe" in ln]
    c.expect(r.returncode == 0, f"verify{label} exit {r.returncode}: {' | '.join(lines)[-600:]}")
    c.expect(not mine, f"verify{label} warns: {' | '.join(mine)[-600:]}")
    for ln in lines:
        if ln not in mine:
            c.note(f"verify{label} (other units): {ln}")


def exposure(unit_path, env=None):
    r = run(["systemd-analyze", "security", "--offline=yes", unit_path], timeout=120, env=env)
    m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?) (\w+)", r.stdout)
    if not m:
        return None, (r.stderr or r.stdout).strip()[-300:]
    return float(m.group(1)), m.group(2)


def check_systemd(deploy, credpipe, work, build_dir, cmake):
    name = "systemd: systemd-analyze verify and security"
    tmp = os.path.join(work, "systemd")
    shutil.rmtree(tmp, ignore_errors=True)
    why = systemd_analyze_usable(tmp)
    if why:
        skip(name, why)
        return
    c = Check(name)
    src = os.path.join(deploy, "systemd", "credpipe.service")
    text = open(src, encoding="utf-8").read()
    binary = os.path.abspath(credpipe)

    # The unit alone, ExecStart at the binary under test.
    alone = os.path.join(tmp, "alone")
    os.makedirs(alone)
    unit = os.path.join(alone, "credpipe.service")
    with open(unit, "w") as f:
        f.write(text.replace("ExecStart=/usr/bin/credpipe ", f"ExecStart={binary} "))
    verify_unit(c, unit)
    score, word = exposure(unit)
    if c.expect(score is not None, f"security --offline=yes gave no score: {word}"):
        c.expect(score <= MAX_EXPOSURE, f"exposure {score} {word} is above {MAX_EXPOSURE}")
        c.note(f"exposure {score} {word}")
        # docs/operations.md records the score of Debian 12's systemd 252.
        ver = run(["systemd-analyze", "--version"], timeout=30).stdout.split()
        ops = os.path.join(os.path.dirname(deploy), "docs", "operations.md")
        if len(ver) > 1 and ver[1] == "252" and os.path.exists(ops):
            c.expect(f"**{score} {word}**" in open(ops, encoding="utf-8").read(),
                     f"docs/operations.md does not record the exposure **{score} {word}**")

    # With every example drop-in in force.
    dropdir = os.path.join(tmp, "dropins")
    os.makedirs(os.path.join(dropdir, "credpipe.service.d"))
    unit2 = os.path.join(dropdir, "credpipe.service")
    shutil.copy(unit, unit2)
    ex = os.path.join(deploy, "systemd", "credpipe.service.d")
    n = 0
    for fn in sorted(os.listdir(ex)):
        if fn.endswith(".conf.example"):
            shutil.copy(os.path.join(ex, fn),
                        os.path.join(dropdir, "credpipe.service.d", fn[:-len(".example")]))
            n += 1
    c.expect(n >= 3, f"{n} drop-in examples, expected spool, pseudonym key and network")
    env = dict(os.environ, SYSTEMD_UNIT_PATH=dropdir + ":")
    verify_unit(c, unit2, env=env, label=" (with the drop-ins)")
    score2, word2 = exposure(unit2, env=env)
    if score2 is not None:
        c.expect(score2 <= (score or MAX_EXPOSURE),
                 f"the drop-ins raise the exposure to {score2}")
        c.note(f"with the drop-ins {score2} {word2}")

    # As `cmake --install` writes it.
    if build_dir and cmake:
        prefix = os.path.join(tmp, "prefix")
        r = run([cmake, "--install", build_dir, "--prefix", prefix], timeout=300)
        if c.expect(r.returncode == 0, f"cmake --install: {r.stderr.strip()[-400:]}"):
            inst = os.path.join(prefix, "lib", "systemd", "system", "credpipe.service")
            users = os.path.join(prefix, "lib", "sysusers.d", "credpipe.conf")
            if c.expect(os.path.exists(inst), "cmake --install wrote no lib/systemd/system unit"):
                execs = unit_directives(inst).get("ExecStart", [""])
                c.expect(execs[0].startswith(os.path.join(prefix, "bin", "credpipe") + " "),
                         f"installed ExecStart={execs[0]}, want the prefix's bin/credpipe")
                verify_unit(c, inst, label=" (installed)")
            c.expect(os.path.exists(users), "cmake --install wrote no lib/sysusers.d/credpipe.conf")
            for fn in ("credpipe.yaml", "spool.conf.example"):
                c.expect(os.path.exists(os.path.join(prefix, "share", "doc", "credpipe",
                                                     "examples", fn)),
                         f"cmake --install wrote no share/doc/credpipe/examples/{fn}")
    c.done()

    # sysusers.d
    name = "systemd: sysusers.d file"
    su = shutil.which("systemd-sysusers")
    if not su:
        skip(name, "systemd-sysusers is not installed")
        return
    root = os.path.join(tmp, "sysroot")
    os.makedirs(os.path.join(root, "etc"))
    r = run([su, f"--root={root}", "--dry-run",
             os.path.join(deploy, "systemd", "credpipe.sysusers")], timeout=60)
    out = r.stdout + r.stderr
    c = Check(name)
    c.expect(r.returncode == 0, f"exit {r.returncode}: {out.strip()[-300:]}")
    c.expect("Creating user 'credpipe'" in out and "Creating group 'credpipe'" in out,
             f"no user and group credpipe: {out.strip()[-300:]}")
    c.done()


# -------------------------------------------------------------- Dockerfile

def dockerfile_instructions(path):
    """[(INSTRUCTION, args)] with continuations joined, comments dropped."""
    out, cur = [], ""
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if cur and line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        ins, _, args = cur.strip().partition(" ")
        out.append((ins.upper(), args.strip()))
        cur = ""
    return out


def apt_packages(run_args):
    pkgs = []
    for m in re.finditer(r"apt-get install((?:\s+[^&|;]+)?)", run_args):
        for tok in m.group(1).split():
            if not tok.startswith("-"):
                pkgs.append(tok)
    return pkgs


def stages(instrs):
    out = []
    for ins, args in instrs:
        if ins == "FROM":
            parts = args.split()
            out.append({"from": parts[0], "name": parts[2] if len(parts) > 2 else None,
                        "instrs": []})
        elif out:
            out[-1]["instrs"].append((ins, args))
    return out


def dpkg_owner(path):
    """Debian package owning path (tries the /usr-merged twin), or None."""
    cands = [path]
    if path.startswith("/usr/lib/"):
        cands.append(path[len("/usr"):])
    elif path.startswith("/lib/"):
        cands.append("/usr" + path)
    for p in cands:
        r = run(["dpkg", "-S", p], timeout=60)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def check_dockerfile(src, deploy, credpipe):
    path = os.path.join(deploy, "container", "Dockerfile")
    c = Check("container: Dockerfile")
    st = stages(dockerfile_instructions(path))
    if not c.expect(len(st) == 2, f"{len(st)} stages, want build and runtime"):
        c.done()
        return None
    b, rt = st
    c.expect(b["from"] == "debian:12", f"build stage FROM {b['from']}, want debian:12")
    c.expect(rt["from"] == "debian:12-slim", f"runtime FROM {rt['from']}, want debian:12-slim")
    rti = dict()
    for ins, args in rt["instrs"]:
        rti.setdefault(ins, []).append(args)
    user = rti.get("USER", ["root"])[-1]
    uid = user.split(":")[0]
    c.expect(uid.isdigit() and int(uid) != 0, f"USER {user}: want a numeric non-root uid")
    c.expect(rti.get("STOPSIGNAL") == ["SIGTERM"], f"STOPSIGNAL {rti.get('STOPSIGNAL')}")
    c.expect(any("/var/lib/credpipe" in v for v in rti.get("VOLUME", [])),
             "no VOLUME /var/lib/credpipe")
    c.expect(any("9464" in v for v in rti.get("EXPOSE", [])), "no EXPOSE 9464")
    ep = rti.get("ENTRYPOINT", [""])[-1]
    cmd = rti.get("CMD", [""])[-1]
    c.expect(json.loads(ep or "[]") == ["/usr/bin/credpipe"], f"ENTRYPOINT {ep}")
    c.expect(json.loads(cmd or "[]") == ["run", "-c", "/etc/credpipe/credpipe.yaml"],
             f"CMD {cmd}")
    c.expect(any(a.startswith(f"--from={b['name']} ") for a in rti.get("COPY", [])),
             "the runtime stage copies nothing from the build stage")
    brun = " ".join(a for i, a in b["instrs"] if i == "RUN")
    c.expect("-DCP_BUILD_TESTS=OFF" in brun, "the build stage builds the tests")
    c.expect("cmake --install" in brun, "the build stage does not use the install rules")
    ign = os.path.join(deploy, "container", "Dockerfile.dockerignore")
    if c.expect(os.path.exists(ign), "no Dockerfile.dockerignore"):
        lines = {ln.strip() for ln in open(ign) if ln.strip() and not ln.startswith("#")}
        c.expect({".git", "build", "build-*"} <= lines,
                 f"Dockerfile.dockerignore lacks {sorted({'.git', 'build', 'build-*'} - lines)}")
    c.done()
    return {"uid": int(uid) if uid.isdigit() else None,
            "build_pkgs": set(apt_packages(brun)),
            "runtime_pkgs": set(apt_packages(" ".join(rti.get("RUN", []))))}


def check_docker_packages(src, credpipe, info):
    # Build stage: a package for every pkg-config module and protoc-c.
    name = "container: build stage packages cover the CMake dependencies"
    if not (shutil.which("dpkg") and shutil.which("pkg-config")):
        skip(name, "dpkg or pkg-config is not installed")
    else:
        c = Check(name)
        mods = set()
        for dirpath, dirs, files in os.walk(src):
            rel = os.path.relpath(dirpath, src)
            if rel.startswith(("tests", "build", ".git", "out")):
                dirs[:] = []
                continue
            if "CMakeLists.txt" in files:
                t = open(os.path.join(dirpath, "CMakeLists.txt")).read()
                for m in re.finditer(r"pkg_check_modules\(\s*\w+\s+(?:REQUIRED\s+)?"
                                     r"(?:IMPORTED_TARGET\s+)?([^)]*)\)", t):
                    for mod in m.group(1).split():
                        if mod not in ("REQUIRED", "IMPORTED_TARGET", "QUIET", "GLOBAL"):
                            mods.add(re.split(r"[<>=]", mod)[0])
        need = {}
        for mod in sorted(mods):
            r = run(["pkg-config", "--path", mod], timeout=30)
            pc = r.stdout.strip()
            owner = dpkg_owner(pc) if r.returncode == 0 and pc else None
            if c.expect(owner, f"no Debian package found for pkg-config module {mod}"):
                need[mod] = owner
        protoc = shutil.which("protoc-c")
        if protoc:
            need["protoc-c"] = dpkg_owner(os.path.realpath(protoc))
        missing = {m: p for m, p in need.items() if p and p not in info["build_pkgs"]}
        c.expect(not missing, "the build stage lacks "
                 + ", ".join(f"{p} (for {m})" for m, p in sorted(missing.items())))
        c.note(f"{len(need)} modules")
        c.done()

    # Runtime stage: a package for every shared library the binary needs.
    name = "container: runtime stage packages cover the binary's libraries"
    if not (shutil.which("dpkg") and shutil.which("readelf") and shutil.which("ldd")):
        skip(name, "dpkg, readelf or ldd is not installed")
    else:
        c = Check(name)
        r = run(["readelf", "-d", credpipe], timeout=60)
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)
        paths = {}
        for line in run(["ldd", credpipe], timeout=60).stdout.splitlines():
            m = re.match(r"\s*(\S+) => (/\S+)", line)
            if m:
                paths[m.group(1)] = m.group(2)
        sanitizer = re.compile(r"^lib(asan|ubsan|lsan|tsan|hwasan)\.so")
        # In every Debian image: the essential packages depend on them.
        base = {"libc6", "libgcc-s1"}
        missing = []
        for lib in needed:
            if sanitizer.match(lib):
                c.note(f"{lib} ignored (sanitizer build)")
                continue
            owner = dpkg_owner(paths.get(lib, lib)) if lib in paths else None
            if not c.expect(owner, f"{lib}: no Debian package owns it"):
                continue
            prio = run(["dpkg-query", "-W", "-f", "${Essential} ${Priority}", owner],
                       timeout=30).stdout.split()
            if owner not in info["runtime_pkgs"] | base and "yes" not in prio[:1] \
                    and "required" not in prio:
                missing.append(f"{owner} (for {lib})")
        c.expect(not missing, "the runtime stage lacks " + ", ".join(missing))
        c.note(f"{len(needed)} libraries")
        c.done()

    # Every package name exists in this Debian 12's archive.
    name = "container: package names exist in Debian 12"
    deb = ""
    if os.path.exists("/etc/debian_version"):
        deb = open("/etc/debian_version").read().strip()
    lists = [f for f in os.listdir("/var/lib/apt/lists") if "Packages" in f] \
        if os.path.isdir("/var/lib/apt/lists") else []
    if not shutil.which("apt-cache"):
        skip(name, "apt-cache is not installed")
    elif not deb.startswith("12"):
        skip(name, f"this machine is not Debian 12 ({deb or 'not Debian'})")
    elif not lists:
        skip(name, "no apt package lists (run apt-get update)")
    else:
        c = Check(name)
        pkgs = sorted(set(info["build_pkgs"]) | set(info["runtime_pkgs"]))
        r = run(["apt-cache", "show", "--no-all-versions"] + pkgs, timeout=120)
        found = set(re.findall(r"^Package: (\S+)", r.stdout, re.M))
        c.expect(set(pkgs) <= found, f"not in the archive: {sorted(set(pkgs) - found)}")
        c.note(f"{len(pkgs)} packages")
        c.done()


# ----------------------------------------------------------------- compose

def check_compose(src, deploy, credpipe, work):
    cdir = os.path.join(deploy, "compose")
    path = os.path.join(cdir, "compose.yaml")
    doc = load_yaml(path)
    c = Check("compose: services, KRaft, mounts, ports")
    sv = doc.get("services", {})
    for s in ("kafka", "credpipe", "prometheus", "grafana"):
        c.expect(s in sv, f"no service {s}")
    k = sv.get("kafka", {})
    env = k.get("environment", {})
    c.expect(str(k.get("image", "")).startswith("apache/kafka:"), f"kafka image {k.get('image')}")
    c.expect(set(str(env.get("KAFKA_PROCESS_ROLES", "")).split(",")) == {"broker", "controller"},
             "kafka is not a combined KRaft broker and controller")
    c.expect("zookeeper" not in json.dumps(doc).lower(), "mentions ZooKeeper")
    adv = str(env.get("KAFKA_ADVERTISED_LISTENERS", ""))
    cp = sv.get("credpipe", {})
    b = cp.get("build", {})
    c.expect(os.path.exists(os.path.join(cdir, b.get("context", "."), b.get("dockerfile", ""))),
             f"credpipe build {b} names no existing Dockerfile")
    for name, s in sv.items():
        for v in s.get("volumes", []):
            host = v.split(":")[0]
            if host.startswith("."):
                c.expect(os.path.exists(os.path.join(cdir, host)),
                         f"{name} mounts {host}, which does not exist")
        for p in s.get("ports", []):
            c.expect(str(p).startswith("127.0.0.1:"), f"{name} publishes {p} beyond loopback")
    overlay = load_yaml(os.path.join(cdir, "credpipe.overlay.yaml"))
    c.expect(overlay.get("metrics", {}).get("listen") == "0.0.0.0:9464",
             "the overlay's metrics.listen is not 0.0.0.0:9464")
    c.expect(f"PLAINTEXT://{overlay.get('brokers')}" in adv,
             f"brokers {overlay.get('brokers')} is not an advertised listener ({adv})")
    c.expect(overlay.get("state", {}).get("dir") == "/var/lib/credpipe",
             "the overlay's state.dir is not /var/lib/credpipe")
    c.expect(any(str(v).endswith(":/var/lib/credpipe") for v in cp.get("volumes", [])),
             "credpipe has no volume at /var/lib/credpipe")
    prom = load_yaml(os.path.join(deploy, "prometheus", "prometheus.yml"))
    targets = [t for j in prom.get("scrape_configs", []) if j.get("job_name") == "credpipe"
               for sc in j.get("static_configs", []) for t in sc.get("targets", [])]
    c.expect(targets == ["credpipe:9464"], f"Prometheus scrapes {targets}, want credpipe:9464")
    ds = load_yaml(os.path.join(deploy, "grafana", "provisioning", "datasources", "prometheus.yaml"))
    c.expect(any(d.get("url") == "http://prometheus:9090" for d in ds.get("datasources", [])),
             "the Grafana data source is not http://prometheus:9090")
    dp = load_yaml(os.path.join(deploy, "grafana", "provisioning", "dashboards", "credpipe.yaml"))
    dpath = dp["providers"][0]["options"]["path"]
    c.expect(any(str(v).split(":")[1].startswith(dpath + "/")
                 and str(v).split(":")[0].endswith("credpipe-dashboard.json")
                 for v in sv.get("grafana", {}).get("volumes", [])),
             f"the dashboard is not mounted under the provider's path {dpath}")
    c.done()

    name = "compose: docker-compose config (Compose schema)"
    dc = shutil.which("docker-compose")
    if not dc:
        skip(name, "docker-compose is not installed")
    else:
        # Debian 12's docker-compose 1.29 predates the top-level `name`.
        tmp = os.path.join(work, "compose")
        os.makedirs(tmp, exist_ok=True)
        doc2 = dict(doc)
        doc2.pop("name", None)
        p2 = os.path.join(tmp, "compose.yaml")
        with open(p2, "w") as f:
            yaml.safe_dump(doc2, f, sort_keys=False)
        r = run([dc, "-f", p2, "--project-directory", cdir, "config", "-q"], timeout=120,
                env=dict(os.environ, DOCKER_HOST="unix:///nonexistent"))
        c = Check(name)
        c.expect(r.returncode == 0, (r.stderr or r.stdout).strip()[-600:])
        c.done()

    # The configuration the `sample` service builds: gen's + the overlay.
    c = Check("compose: sample configuration passes credpipe check")
    gdir = os.path.join(work, "compose-sample")
    shutil.rmtree(gdir, ignore_errors=True)
    r = run([credpipe, "gen", "--out", gdir, "--rows", "200", "--seed", "1"], timeout=300)
    if c.expect(r.returncode == 0, f"credpipe gen: {r.stderr.strip()[-300:]}"):
        with open(os.path.join(gdir, "credpipe.yaml"), "a", encoding="utf-8") as f:
            f.write(open(os.path.join(cdir, "credpipe.overlay.yaml"), encoding="utf-8").read())
        ok, detail = credpipe_check(credpipe, os.path.join(gdir, "credpipe.yaml"))
        if c.expect(ok, detail) and detail:
            c.note(detail)
    c.done()


# --------------------------------------------------------------------- k8s

def check_k8s(deploy, credpipe, work, uid):
    kdir = os.path.join(deploy, "k8s")
    c = Check("k8s: manifests")
    kust = load_yaml(os.path.join(kdir, "kustomization.yaml"))
    res = kust.get("resources", [])
    objs = {}
    for fn in sorted(os.listdir(kdir)):
        if not fn.endswith(".yaml") or fn == "kustomization.yaml":
            continue
        docs = [d for d in load_yaml_all(os.path.join(kdir, fn)) if d]
        if not docs:  # a commented example (servicemonitor.yaml)
            continue
        c.expect(fn in res, f"{fn} is not in kustomization.yaml's resources")
        for d in docs:
            for key in ("apiVersion", "kind", "metadata"):
                c.expect(key in d, f"{fn}: no {key}")
            if d.get("kind") != "Namespace":
                c.expect(d.get("metadata", {}).get("namespace") == kust.get("namespace"),
                         f"{fn}: namespace {d.get('metadata', {}).get('namespace')}")
            objs[(d.get("kind"), d.get("metadata", {}).get("name"))] = d
    for r in res:
        c.expect(os.path.exists(os.path.join(kdir, r)), f"kustomization names missing {r}")
    sts = next((o for (k, _), o in objs.items() if k == "StatefulSet"), None)
    svc = next((o for (k, _), o in objs.items() if k == "Service"), None)
    cm = next((o for (k, _), o in objs.items() if k == "ConfigMap"), None)
    if not c.expect(sts and svc and cm, "a StatefulSet, a Service and a ConfigMap are needed"):
        c.done()
        return
    spec = sts["spec"]
    tpl = spec["template"]
    pod = tpl["spec"]
    c.expect(spec.get("replicas") == 1, f"replicas {spec.get('replicas')}")
    c.expect(spec.get("serviceName") == svc["metadata"]["name"], "serviceName is not the Service")
    c.expect(svc["spec"].get("clusterIP") == "None", "the governing Service is not headless")
    sel = spec["selector"]["matchLabels"]
    c.expect(all(tpl["metadata"]["labels"].get(k) == v for k, v in sel.items()),
             "the selector does not match the pod labels")
    c.expect(all(tpl["metadata"]["labels"].get(k) == v for k, v in svc["spec"]["selector"].items()),
             "the Service selector does not match the pod labels")
    psc = pod.get("securityContext", {})
    c.expect(psc.get("runAsNonRoot") is True, "pod runAsNonRoot is not true")
    c.expect(psc.get("runAsUser") == uid, f"runAsUser {psc.get('runAsUser')}, image uid {uid}")
    c.expect(psc.get("fsGroup") == uid, f"fsGroup {psc.get('fsGroup')}: the state volume "
             "must be writable by the image's user")
    c.expect(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "no RuntimeDefault seccomp")
    cts = pod["containers"]
    c.expect(len(cts) == 1, f"{len(cts)} containers")
    ct = cts[0]
    sc = ct.get("securityContext", {})
    c.expect(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem is not true")
    c.expect(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
    c.expect(sc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities are not dropped")
    ports = {p["name"]: p["containerPort"] for p in ct.get("ports", [])}
    c.expect(ports.get("metrics") == 9464, f"container ports {ports}")
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"),
                        ("startupProbe", "/healthz")):
        hg = ct.get(probe, {}).get("httpGet", {})
        c.expect(hg.get("path") == path, f"{probe} path {hg.get('path')}, want {path}")
        c.expect(hg.get("port") in ("metrics", 9464), f"{probe} port {hg.get('port')}")
    res_ = ct.get("resources", {})
    c.expect(res_.get("requests", {}).get("memory") and res_.get("limits", {}).get("memory"),
             "no memory request and limit")
    mounts = {m["name"]: m for m in ct.get("volumeMounts", [])}
    vct = [v["metadata"]["name"] for v in spec.get("volumeClaimTemplates", [])]
    c.expect("state" in vct and mounts.get("state", {}).get("mountPath") == "/var/lib/credpipe",
             "no volumeClaimTemplate 'state' mounted at /var/lib/credpipe")
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    cmv = vols.get("config", {}).get("configMap", {}).get("name")
    c.expect(cmv == cm["metadata"]["name"], f"config volume names ConfigMap {cmv}")
    cfg_mount = mounts.get("config", {}).get("mountPath", "")
    args = ct.get("args", [])
    c.expect(len(args) >= 3 and args[:2] == ["run", "-c"]
             and args[2] == os.path.join(cfg_mount, "credpipe.yaml"),
             f"args {args} do not read credpipe.yaml from the ConfigMap mount {cfg_mount}")
    sp = svc["spec"]["ports"]
    c.expect(any(p.get("targetPort") in ("metrics", 9464) and p.get("port") == 9464 for p in sp),
             f"Service ports {sp}")
    ann = svc["metadata"].get("annotations", {})
    c.expect(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == "9464",
             "no prometheus.io scrape annotations for port 9464")
    cfg_text = cm.get("data", {}).get("credpipe.yaml")
    if c.expect(cfg_text, "the ConfigMap has no credpipe.yaml"):
        cfg = yaml.load(cfg_text, Loader=UniqueKeyLoader)
        c.expect(cfg.get("metrics", {}).get("listen") == "0.0.0.0:9464",
                 "the ConfigMap's metrics.listen is not 0.0.0.0:9464 (the probes' port)")
        c.expect(cfg.get("state", {}).get("dir") == "/var/lib/credpipe",
                 "the ConfigMap's state.dir is not the state volume")
        for s in cfg.get("sources", []):
            sp_ = s.get("http", {}).get("spool")
            if s.get("format") == "http_json":
                c.expect(sp_ and sp_.startswith("/var/lib/credpipe/"),
                         f"source {s.get('id')}: http.spool {sp_} is not on the state volume "
                         "(the root file system is read-only)")
        os.makedirs(work, exist_ok=True)
        p = os.path.join(work, "k8s-credpipe.yaml")
        with open(p, "w", encoding="utf-8") as f:
            f.write(cfg_text)
        ok, detail = credpipe_check(credpipe, p)
        if c.expect(ok, f"credpipe check of the ConfigMap's credpipe.yaml: {detail}") and detail:
            c.note(detail)
    c.done()


def check_systemd_config(deploy, credpipe, work):
    c = Check("systemd: example credpipe.yaml")
    p = os.path.join(deploy, "systemd", "credpipe.yaml")
    cfg = load_yaml(p)
    c.expect(cfg.get("state", {}).get("dir") == "/var/lib/credpipe",
             "state.dir is not the unit's StateDirectory")
    c.expect(str(cfg.get("metrics", {}).get("listen", "")).startswith("127.0.0.1:"),
             "metrics.listen is not on loopback")
    for s in cfg.get("sources", []):
        if s.get("format") == "http_json":
            sp = s.get("http", {}).get("spool", "")
            c.expect(sp.startswith("/var/lib/credpipe/"),
                     f"source {s.get('id')}: http.spool {sp} is read-only under ProtectSystem=strict")
    ok, detail = credpipe_check(credpipe, p)
    if c.expect(ok, detail) and detail:
        c.note(detail)
    c.done()


# -------------------------------------------------------------------- docs

def slug(heading):
    """GitHub's anchor of a Markdown heading."""
    h = heading.strip().lower().replace("`", "")
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}


def check_doc_links(src):
    """Relative links (and their #anchors) of the operations docs resolve."""
    c = Check("docs: links of docs/operations.md, deploy/README.md, README's Deploying")
    files = [os.path.join(src, "docs", "operations.md"), os.path.join(src, "deploy", "README.md")]
    readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    m = re.search(r"^## Deploying\n(.*?)(?=^## )", readme, re.S | re.M)
    c.expect(m, "README.md has no \"## Deploying\" section")
    c.expect(m and "docs/operations.md" in m.group(1), "README's Deploying section does not "
             "link docs/operations.md")
    texts = [(f, open(f, encoding="utf-8").read()) for f in files if c.expect(
        os.path.exists(f), f"{os.path.relpath(f, src)} is missing")]
    if m:
        texts.append((os.path.join(src, "README.md"), m.group(1)))
    n = 0
    for f, text in texts:
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        for link in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", link):
                continue
            n += 1
            target, _, frag = link.partition("#")
            path = os.path.normpath(os.path.join(os.path.dirname(f), target)) if target else f
            rel = os.path.relpath(f, src)
            if not c.expect(os.path.exists(path), f"{rel}: link {link}: no such file"):
                continue
            if frag and path.endswith(".md"):
                c.expect(frag in anchors(path), f"{rel}: link {link}: no such heading")
    if m:
        for piece in ("deploy/systemd/credpipe.service", "deploy/container/Dockerfile",
                      "deploy/compose/compose.yaml", "deploy/k8s/", "deploy/prometheus/",
                      "deploy/grafana/credpipe-dashboard.json"):
            c.expect(f"]({piece})" in m.group(1), f"README's Deploying section does not link {piece}")
    c.note(f"{n} links")
    c.done()


# ------------------------------------------------ Prometheus and Grafana

def check_observability(src, deploy, docm, real):
    series_names = known_series_names(docm)
    dash = json.load(open(os.path.join(deploy, "grafana", "credpipe-dashboard.json")))
    rules = load_yaml(os.path.join(deploy, "prometheus", "alerts.yml"))
    rexprs, recorded = rules_exprs(rules)
    scrape = parse_exposition(real.text) if real and real.text else None

    c = Check("grafana: dashboard structure")
    ids = []
    widths = []

    def walk(panels):
        for p in panels:
            ids.append(p.get("id"))
            gp = p.get("gridPos", {})
            widths.append(gp.get("x", 0) + gp.get("w", 0))
            if p.get("type") != "row":
                c.expect(p.get("datasource", {}).get("uid") == "${datasource}",
                         f"panel {p.get('title')}: datasource is not ${{datasource}}")
                c.expect(p.get("targets"), f"panel {p.get('title')}: no query")
                refs = [t.get("refId") for t in p.get("targets", [])]
                c.expect(len(refs) == len(set(refs)), f"panel {p.get('title')}: refIds {refs}")
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    c.expect(dash.get("uid") == "credpipe" and dash.get("title"), "uid/title")
    c.expect(len(ids) == len(set(ids)), "panel ids repeat")
    c.expect(max(widths or [0]) <= 24, "a panel is wider than the grid")
    var = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    c.expect(var.get("datasource", {}).get("type") == "datasource", "no data source variable")
    c.expect({"job", "source"} <= set(var), f"variables {sorted(var)}")
    c.done()

    dexprs = dashboard_exprs(dash)
    c = Check("grafana: dashboard metrics, labels and values"
              + (" (docs and a real run's /metrics)" if scrape else " (docs only)"))
    used = set()
    for where, e in dexprs:
        check_query_names(c, where, e, series_names, docm, {"up"}, scrape)
        used |= metric_names(e)
    want = {"credpipe_shared_keys", "credpipe_keys", "credpipe_field_present",
            "credpipe_completeness_keys", "credpipe_overlap_keys", "credpipe_subjects_missing",
            "credpipe_records_read_total", "credpipe_records_produced_total",
            "credpipe_records_rejected_total", "credpipe_time_to_central_days_bucket",
            "credpipe_kafka_delivery_failures_total", "credpipe_queue_depth",
            "credpipe_kafka_bytes_total"}
    c.expect(want <= used, f"the dashboard does not show {sorted(want - used)}")
    c.note(f"{len(dexprs)} queries, {len(used & set(series_names))} metric series names")
    c.done()

    c = Check("prometheus: rule metrics, labels and values"
              + (" (docs and a real run's /metrics)" if scrape else " (docs only)"))
    for where, e in rexprs:
        check_query_names(c, where, e, series_names, docm, {"up"} | recorded, scrape)
    tests = load_yaml(os.path.join(deploy, "prometheus", "alerts_test.yml"))
    for t in tests.get("tests", []):
        for s in t.get("input_series", []):
            check_query_names(c, "alerts_test.yml", s["series"], series_names, docm, {"up"})
    ops = os.path.join(src, "docs", "operations.md")
    heads = set()
    if c.expect(os.path.exists(ops), "docs/operations.md is missing"):
        heads = {re.sub(r"^#+\s*", "", ln).strip() for ln in open(ops, encoding="utf-8")
                 if ln.startswith("#")}
    for g in rules.get("groups", []):
        for r in g.get("rules", []):
            for v in (r.get("annotations") or {}).values():
                for ref in re.findall(r'docs/operations\.md, "([^"]+)"', " ".join(v.split())):
                    c.expect(ref in heads, f"{r.get('alert')}: docs/operations.md has no "
                             f"section \"{ref}\"")
    c.note(f"{len(rexprs)} rules")
    c.done()

    if real and real.port:
        c = Check("credpipe: /healthz and /readyz answer where the probes look")
        code, body = http_get(f"http://127.0.0.1:{real.port}/healthz")
        c.expect(code == 200, f"/healthz {code} {body.strip()}")
        code, body = http_get(f"http://127.0.0.1:{real.port}/readyz")
        c.expect(code in (200, 503), f"/readyz {code} {body.strip()}")
        c.note(f"/readyz {code} {body.strip()}")
        c.done()
    return dexprs, rexprs


def substitute(expr):
    return (expr.replace("$__rate_interval", "30s").replace("$__range", "1m")
            .replace("$job", "credpipe").replace("$source", ".*"))


def find_tool(env, name):
    p = os.environ.get(env)
    if p and os.access(p, os.X_OK):
        return p
    return shutil.which(name)


def check_promtool(deploy, work, dexprs):
    name = "prometheus: promtool check config, check rules, test rules"
    promtool = find_tool("PROMTOOL", "promtool")
    if not promtool:
        skip(name, "promtool is not installed (Debian: prometheus; or set PROMTOOL)")
        return
    c = Check(name)
    pdir = os.path.join(deploy, "prometheus")
    for args in (["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"],
                 ["test", "rules", "alerts_test.yml"]):
        r = run([promtool] + args, timeout=300, cwd=pdir)
        c.expect(r.returncode == 0, f"promtool {' '.join(args)}: "
                 f"{(r.stdout + r.stderr).strip()[-800:]}")
    # The dashboard's queries, as recording rules: promtool parses them.
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:q{i}", "expr": substitute(e)} for i, (_, e) in enumerate(dexprs)]}]}
    os.makedirs(work, exist_ok=True)
    p = os.path.join(work, "dashboard-rules.yml")
    with open(p, "w") as f:
        yaml.safe_dump(rules, f)
    r = run([promtool, "check", "rules", p], timeout=120)
    c.expect(r.returncode == 0, f"dashboard queries: {(r.stdout + r.stderr).strip()[-800:]}")
    c.note(f"{promtool}; {len(dexprs)} dashboard queries parse")
    c.done()


def check_prometheus_eval(work, real, dexprs, rexprs):
    name = "prometheus: every dashboard query evaluated on a real scrape"
    prom = find_tool("PROMETHEUS", "prometheus")
    if not prom:
        skip(name, "no prometheus server binary (Debian: prometheus; or set PROMETHEUS)")
        return
    if not (real and real.port):
        skip(name, "no real run to scrape")
        return
    c = Check(name)
    pdir = os.path.join(work, "prometheus")
    shutil.rmtree(pdir, ignore_errors=True)
    os.makedirs(pdir)
    cfg = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
           "scrape_configs": [{"job_name": "credpipe",
                               "static_configs": [{"targets": [f"127.0.0.1:{real.port}"]}]}]}
    with open(os.path.join(pdir, "prometheus.yml"), "w") as f:
        yaml.safe_dump(cfg, f)
    port = free_port()
    log = open(os.path.join(pdir, "prometheus.log"), "w")
    proc = subprocess.Popen([prom, f"--config.file={pdir}/prometheus.yml",
                             f"--storage.tsdb.path={pdir}/data",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    api = f"http://127.0.0.1:{port}/api/v1/query?query="
    try:
        deadline = time.time() + 90
        samples = 0
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            try:
                code, body = http_get(api + urllib.request.quote(
                    'count_over_time(credpipe_up{job="credpipe"}[1m])'), timeout=5)
                if code == 200:
                    res = json.loads(body)["data"]["result"]
                    samples = int(float(res[0]["value"][1])) if res else 0
                    if samples >= 8:
                        break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.5)
        if not c.expect(samples >= 8, f"Prometheus got {samples} scrapes in 90 s "
                        f"(exit {proc.poll()}; see {pdir}/prometheus.log)"):
            c.done()
            return
        empty = []
        for where, e in dexprs + [(w, e) for w, e in rexprs]:
            code, body = http_get(api + urllib.request.quote(substitute(e)), timeout=30)
            if not c.expect(code == 200, f"{where}: HTTP {code} {body[:300]}"):
                continue
            data = json.loads(body)
            c.expect(data.get("status") == "success", f"{where}: {data.get('error')}")
            if not data.get("data", {}).get("result"):
                empty.append(where)
        c.note(f"{len(dexprs)} dashboard and {len(rexprs)} rule queries evaluated; empty on this "
               f"run (no such case in the data, or an alert not firing): {', '.join(empty)}")
        # Queries that must have data on any finished run of gen's feeds.
        must = [w for w, _ in dexprs if w in (
            "Sharing rate per source", "Completeness per source", "Required fields present",
            "Keys reported by both sources", "Records read per second",
            "Time to central (days)", "Bytes to Kafka and compression ratio",
            "Sharing rate, all sources", "Kafka messages per second")]
        c.expect(not (set(must) & set(empty)), f"no data for {sorted(set(must) & set(empty))}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    c.done()


# -------------------------------------------------------------------- main

def guarded(name, fn, *args):
    """Runs one group of checks; an exception (a file that does not parse,
    a missing key) is that group's FAIL, and the other groups still run."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        result("FAIL", name, f"{type(e).__name__}: {e}")
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--credpipe", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--build-dir")
    ap.add_argument("--cmake")
    a = ap.parse_args()
    src = os.path.abspath(a.source_dir)
    deploy = os.path.join(src, "deploy")
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    credpipe = os.path.abspath(a.credpipe)
    if not os.access(credpipe, os.X_OK):
        print(f"check_deploy: {credpipe} is not executable", file=sys.stderr)
        return 2

    docm = doc_metrics(src)
    if len(docm) < 30:
        print(f"check_deploy: read only {len(docm)} metrics from docs/metrics.md", file=sys.stderr)
        return 2

    guarded("parse", check_parse, deploy)
    guarded("docs: links", check_doc_links, src)
    guarded("systemd: unit directives", check_unit_static, deploy)
    guarded("systemd", check_systemd, deploy, credpipe, work, a.build_dir, a.cmake)
    guarded("systemd: example credpipe.yaml", check_systemd_config, deploy, credpipe, work)
    info = guarded("container: Dockerfile", check_dockerfile, src, deploy, credpipe)
    if info:
        guarded("container: packages", check_docker_packages, src, credpipe, info)
    guarded("compose", check_compose, src, deploy, credpipe, work)
    guarded("k8s: manifests", check_k8s, deploy, credpipe, work, info["uid"] if info else None)

    real = RealRun(credpipe, work)
    try:
        if not real.start():
            result("FAIL", "credpipe: a real run serving /metrics", real.error)
            real.text = None
        exprs = guarded("grafana and prometheus", check_observability, src, deploy, docm, real)
        if exprs:
            dexprs, rexprs = exprs
            guarded("prometheus: promtool", check_promtool, deploy, work, dexprs)
            guarded("prometheus: evaluation", check_prometheus_eval, work, real, dexprs, rexprs)
    finally:
        real.stop()

    counts = {s: sum(1 for r in RESULTS if r[0] == s) for s in ("PASS", "FAIL", "SKIP")}
    print(f"check_deploy: {counts['PASS']} checks passed, {counts['FAIL']} failed, "
          f"{counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
