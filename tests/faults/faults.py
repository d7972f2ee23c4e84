#!/usr/bin/env python3
"""Fault-injection suite for the cms service (see README.md beside this file).

Normally started by run.sh, which builds or finds the binary and owns the
throwaway PostgreSQL cluster:

    python3 faults.py --cms-bin BIN --backend sqlite|postgres|both [--only NAME]...
        [--pg-url URL --pg-dir DIR --pg-script .ci/pg.sh --pg-bin DIR]
        [--soak-seconds N] [--connections N] [--keep-temp]

Scenarios: kill-writes, kill-import, kill-upload, soak, slow-clients, pg-outage
(PostgreSQL only).
Exit status 0 when no scenario found a loss or violation, 1 otherwise, 2 on usage
errors. Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import ctypes
import hashlib
import http.client
import json
import math
import os
import random
import resource
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
QUERIES = ROOT / "queries"
PARTNER_QUERIES = ["country-page", "document-list", "search"]

# pg-outage runs last on PostgreSQL: it stops and restarts the shared cluster.
SCENARIOS = ["kill-writes", "kill-import", "kill-upload", "soak", "slow-clients",
             "pg-outage"]
BACKENDS_OF = {
    "kill-writes": ("sqlite", "postgres"),
    "kill-import": ("sqlite", "postgres"),
    "kill-upload": ("sqlite", "postgres"),
    "pg-outage": ("postgres",),
    "soak": ("sqlite", "postgres"),
    "slow-clients": ("sqlite", "postgres"),
}

JWT_SECRET = "fault-suite-secret-0123456789abcdefghijklmnopqrstuvwxyz"
PASSWORD = "fault-suite-password-1"
PERU_SLUG = "peru"


def log(msg: str = "") -> None:
    print(msg, flush=True)


# =============================================================== process helpers

_LIBC = None
try:
    _LIBC = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:  # not Linux/glibc: children are still killed by cleanup()
    pass


def _child_setup() -> None:
    """In the child before exec: own session (Ctrl-C goes to the suite only) and
    SIGKILL when the suite dies, so no server outlives it."""
    os.setsid()
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


_CHILDREN: list[subprocess.Popen] = []


def spawn(args, log_path: Path, env: dict, stdin=None) -> subprocess.Popen:
    out = open(log_path, "ab")
    proc = subprocess.Popen(
        [str(a) for a in args],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        env=env,
        preexec_fn=_child_setup,
    )
    out.close()
    _CHILDREN.append(proc)
    return proc


def kill_children() -> None:
    for proc in _CHILDREN:
        if proc.poll() is None:
            try:
                proc.kill()
                proc.wait(timeout=10)
            except Exception:
                pass
    _CHILDREN.clear()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Failure(Exception):
    """A scenario could not run (setup broke); counted as a failed scenario."""


# ================================================================ configuration


@dataclass
class Ctx:
    bin: str
    tmp: Path
    pg_url: str | None
    pg_dir: str | None
    pg_script: str
    pg_bin: str
    soak_seconds: int
    connections: int
    keep: bool = False
    dataset_counts: dict | None = None
    _n: int = 0

    def base_env(self, extra: dict | None = None) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not (k.startswith("CMS_") or k in ("DATABASE_URL", "RUST_LOG"))}
        env.update({
            "CMS_JWT_SECRET": JWT_SECRET,
            "CMS_SCHEDULER_INTERVAL": "1",
            "RUST_LOG": "warn",
            # The suite logs in a few times from one address; keep the failed-login
            # limits and the hashing queue out of the way.
            "CMS_LOGIN_MAX_FAILURES_PER_PAIR": "100000",
            "CMS_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
            "CMS_LOGIN_MAX_FAILURES_PER_EMAIL": "100000",
            "CMS_PASSWORD_HASH_WAIT_MS": "30000",
        })
        if extra:
            env.update(extra)
        return env

    def workdir(self, name: str) -> Path:
        self._n += 1
        d = self.tmp / f"{self._n:02d}-{name}"
        d.mkdir(parents=True)
        return d

    # -- PostgreSQL cluster
    def pg_port(self) -> int:
        return urllib.parse.urlparse(self.pg_url).port

    def psql(self, db: str, sql: str, timeout: float = 60) -> str:
        r = subprocess.run(
            [f"{self.pg_bin}/psql", "-X", "-q", "-At", "-F", "\x1f", "-R", "\x1e",
             "-P", "null=\\N", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.pg_port()), "-U", "postgres", "-d", db, "-c", sql],
            capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise Failure(f"psql failed: {r.stderr.strip()}")
        return r.stdout

    def pg_stop(self) -> None:
        subprocess.run([self.pg_script, "stop", self.pg_dir], check=True,
                       capture_output=True, timeout=120)

    def pg_resume(self) -> None:
        r = subprocess.run([self.pg_script, "resume", self.pg_dir],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise Failure(f"pg.sh resume failed: {r.stderr.strip()}")

    def pg_ready(self) -> bool:
        r = subprocess.run([f"{self.pg_bin}/pg_isready", "-q", "-h", "127.0.0.1",
                            "-p", str(self.pg_port())], timeout=30)
        return r.returncode == 0


# ==================================================================== databases


class Database:
    """A fresh database for one scenario: its URL for cms and a way to run SQL.
    Rows come back as tuples of str (None for NULL) on both backends."""

    def __init__(self, ctx: Ctx, backend: str, name: str):
        self.ctx, self.backend = ctx, backend
        self.dir = ctx.workdir(f"{backend}-{name}")
        if backend == "sqlite":
            self.path = self.dir / "cms.db"
            self.url = f"sqlite://{self.path}?mode=rwc"
        else:
            self.name = f"fault_{name.replace('-', '_')}_{ctx._n}"
            ctx.psql("postgres", f"CREATE DATABASE {self.name}")
            u = urllib.parse.urlparse(ctx.pg_url)
            self.url = urllib.parse.urlunparse(u._replace(path="/" + self.name))

    def rows(self, sql: str) -> list[tuple]:
        if self.backend == "sqlite":
            con = sqlite3.connect(self.path, timeout=30)
            try:
                return [tuple(None if v is None else str(v) for v in r)
                        for r in con.execute(sql).fetchall()]
            finally:
                con.close()
        out = self.ctx.psql(self.name, sql)
        if out.endswith("\n"):
            out = out[:-1]
        if not out:
            return []
        return [tuple(None if v == "\\N" else v for v in rec.split("\x1f"))
                for rec in out.split("\x1e")]

    def scalar(self, sql: str) -> int:
        return int(self.rows(sql)[0][0])

    def cli(self, *args, stdin: str | None = None, timeout: float = 300,
            log_name: str = "cli.log") -> subprocess.CompletedProcess:
        cmd = [self.ctx.bin, *args, "--database-url", self.url, "--data-dir", str(self.dir)]
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                           env=self.ctx.base_env(), timeout=timeout)
        with open(self.dir / log_name, "a") as f:
            f.write(f"$ {' '.join(map(str, cmd))}\n{r.stdout}{r.stderr}rc={r.returncode}\n")
        return r

    def create_user(self, email: str, role: str) -> None:
        r = self.cli("user", "create", "--email", email, "--role", role,
                     stdin=PASSWORD + "\n")
        if r.returncode != 0:
            raise Failure(f"cms user create {email}: {r.stderr.strip()}")

    def migrate(self) -> None:
        r = self.cli("migrate")
        if r.returncode != 0:
            raise Failure(f"cms migrate: {r.stderr.strip()}")

    def pg_backends(self) -> int:
        """Other sessions connected to this database (PostgreSQL)."""
        return int(self.ctx.psql(
            "postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = "
            f"'{self.name}'").strip())


# ======================================================================= server


class Server:
    """One `cms serve` process on a database, its output in a log file."""

    def __init__(self, ctx: Ctx, db: Database, demo: bool = True, env: dict | None = None,
                 name: str = "serve"):
        self.ctx, self.db, self.demo, self.extra = ctx, db, demo, env or {}
        self.name = name
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.db.dir / f"{self.name}.log"

    def start(self, port: int | None = None, timeout: float = 120) -> float:
        """Starts the process and waits for /readyz 200; returns the seconds it took."""
        self.port = port or free_port()
        self.starts += 1
        with open(self.log_path, "a") as f:
            f.write(f"===== start {self.starts} on port {self.port}\n")
        args = [self.ctx.bin, "serve", "--bind", f"127.0.0.1:{self.port}",
                "--data-dir", self.db.dir, "--database-url", self.db.url]
        if not self.demo:
            args.append("--no-demo")
        t0 = time.monotonic()
        self.proc = spawn(args, self.log_path, self.ctx.base_env(self.extra))
        while True:
            if self.proc.poll() is not None:
                raise Failure(f"cms serve exited with {self.proc.returncode} before it "
                              f"was ready; its log:\n{tail(self.log_path)}")
            if http_status(self.port, "/readyz", timeout=2) == 200:
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise Failure(f"cms serve not ready after {timeout:.0f} s; its log:\n"
                              f"{tail(self.log_path)}")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def panics(self) -> list[str]:
        """Lines of its log that report a panic (a defect whatever else happened)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [line.strip()[:300] for line in text.splitlines() if "panicked" in line]

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM (graceful), SIGKILL after `timeout`; returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            return None


# ====================================================================== GraphQL


@dataclass
class Resp:
    status: int | None            # None: transport error (no HTTP response)
    body: dict | None = None      # parsed JSON, None if absent or not JSON
    error: str | None = None      # transport error
    seconds: float = 0.0
    retry_after: str | None = None

    @property
    def errors(self) -> list:
        return (self.body or {}).get("errors") or []

    @property
    def ok(self) -> bool:
        return (self.status == 200 and self.body is not None and not self.errors
                and self.body.get("data") is not None)

    @property
    def data(self) -> dict:
        return (self.body or {}).get("data") or {}

    def codes(self) -> list:
        return [((e.get("extensions") or {}).get("code") if isinstance(e, dict) else None)
                for e in self.errors]

    def uncoded(self) -> bool:
        """A failed HTTP response that is not a GraphQL error with a code."""
        if self.status is None or self.ok:
            return False
        if self.body is None or not self.errors:
            return True
        return any(c is None for c in self.codes())

    def describe(self) -> str:
        if self.status is None:
            return f"transport error: {self.error}"
        return f"HTTP {self.status} {json.dumps(self.body)[:300]}"


def http_status(port: int, path: str, timeout: float = 5) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


class Client:
    """GraphQL over one HTTP connection, kept alive (`keepalive=True`) or opened
    per request. Never raises on transport errors: they become Resp(status=None)."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 30,
                 keepalive: bool = False, gauge: "Gauge | None" = None):
        self.port, self.token, self.timeout, self.keepalive = port, token, timeout, keepalive
        self.gauge = gauge
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def gql(self, query: str, variables: dict | None = None, token: str | None = None) -> Resp:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json"}
        tok = token or self.token
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        t0 = time.monotonic()
        if self.gauge:
            self.gauge.add(1)
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            self.conn.request("POST", "/graphql", body=body, headers=headers)
            r = self.conn.getresponse()
            raw = r.read()
            resp = Resp(status=r.status, retry_after=r.getheader("Retry-After"))
            try:
                resp.body = json.loads(raw)
            except ValueError:
                resp.body = None
            if not self.keepalive or r.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            resp = Resp(status=None, error=f"{type(e).__name__}: {e}")
        finally:
            if self.gauge:
                self.gauge.add(-1)
        resp.seconds = time.monotonic() - t0
        return resp


class Gauge:
    """Requests in flight, across threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0

    def add(self, n: int) -> None:
        with self.lock:
            self.value += n


def login(port: int, email: str) -> str:
    r = Client(port).gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p)"
                         " { token } }", {"e": email, "p": PASSWORD})
    if not r.ok:
        raise Failure(f"login {email}: {r.describe()}")
    return r.data["login"]["token"]


def peru_id(port: int, token: str) -> str:
    r = Client(port, token).gql(
        '{ country(slug: "peru", preview: true) { id } }')
    if not r.ok or not r.data.get("country"):
        raise Failure(f"no demo country peru: {r.describe()}")
    return r.data["country"]["id"]


def partner_queries() -> list[tuple[str, str, dict]]:
    """(name, query, variables) of the partner queries in queries/."""
    out = []
    for name in PARTNER_QUERIES:
        q = (QUERIES / f"{name}.graphql").read_text()
        v = json.loads((QUERIES / f"{name}.variables.json").read_text())
        out.append((name, q, v))
    return out


def partner_ok(name: str, r: Resp) -> bool:
    """A partner query answered with the content the demo data has."""
    if not r.ok:
        return False
    d = r.data
    if name == "country-page":
        return bool(d.get("country")) and d["country"]["slug"] == PERU_SLUG
    if name == "document-list":
        return (d.get("documents") or {}).get("totalCount", 0) > 0
    return "search" in d and d["search"] is not None


Q_CREATE = ("mutation($input: DocumentInput!) { createDocument(input: $input)"
            " { id version status } }")
Q_UPDATE = ("mutation($id: ID!, $v: Int!, $input: DocumentInput!) {"
            " updateDocument(id: $id, expectedVersion: $v, input: $input) { id version status } }")
Q_SUBMIT = "mutation($id: ID!) { submitForReview(id: $id) { id version status } }"
Q_PUBLISH = ("mutation($id: ID!, $v: Int!) { publish(id: $id, expectedVersion: $v)"
             " { id version status } }")
Q_STAFF_DOC = ("query($s: String!) { document(slug: $s, preview: true)"
               " { id version status } }")
Q_PUBLIC_DOC = "query($s: String!) { document(slug: $s) { slug title } }"


def doc_input(slug: str, country: str) -> dict:
    # No file facts: since issue 25 they come from an uploaded file's bytes.
    return {"slug": slug, "title": f"Fault injection document {slug}",
            "publishedOn": "2024-06-01", "language": "en", "countryIds": [country]}


class Acks:
    """Acknowledged writes: slug -> {id, version (highest acknowledged), actions}."""

    def __init__(self):
        self.lock = threading.Lock()
        self.docs: dict[str, dict] = {}
        self.counts = collections.Counter()

    def ack(self, slug: str, action: str, r: Resp, field_name: str) -> dict:
        item = r.data[field_name]
        with self.lock:
            d = self.docs.setdefault(slug, {"id": item["id"], "version": 0, "actions": []})
            d["version"] = max(d["version"], item["version"])
            d["actions"].append(action)
            self.counts[action] += 1
        return item


def write_flow(client: Client, acks: Acks, slug: str, country: str,
               publisher_token: str | None = None, steps=("create", "update", "submit",
                                                          "publish")):
    """Generator running one document through create, (update,) submit, publish: it
    records each acknowledged response in `acks`, then yields (step, response), and
    stops after the first response that is not acknowledged."""
    r = client.gql(Q_CREATE, {"input": doc_input(slug, country)})
    item = acks.ack(slug, "create", r, "createDocument") if r.ok else None
    yield "create", r
    if item is None:
        return
    if "update" in steps:
        r = client.gql(Q_UPDATE, {"id": item["id"], "v": item["version"],
                                  "input": {"title": f"Updated {slug}"}})
        item = acks.ack(slug, "update", r, "updateDocument") if r.ok else None
        yield "update", r
        if item is None:
            return
    r = client.gql(Q_SUBMIT, {"id": item["id"]})
    item = acks.ack(slug, "submit", r, "submitForReview") if r.ok else None
    yield "submit", r
    if item is None:
        return
    r = client.gql(Q_PUBLISH, {"id": item["id"], "v": item["version"]}, token=publisher_token)
    if r.ok:
        acks.ack(slug, "publish", r, "publish")
    yield "publish", r


Q_UNPUBLISH = "mutation($id: ID!) { unpublish(id: $id) { id version status } }"
Q_STAFF_COUNTRY = "{ country(slug: \"peru\", preview: true) { id version status } }"


def country_flow(client: Client, acks: Acks, country: str):
    """Generator taking Peru off the public site and back (unpublish, submit, publish):
    each step rewrites the place-index rows of every document linked to Peru, the
    fault documents the other writers are publishing among them. Records each
    acknowledged step under the slug "peru", yields (step, response), and stops after
    the first response that is not acknowledged."""
    r = client.gql(Q_UNPUBLISH, {"id": country})
    item = acks.ack(PERU_SLUG, "unpublish", r, "unpublish") if r.ok else None
    yield "unpublish", r
    if item is None:
        return
    r = client.gql(Q_SUBMIT, {"id": country})
    item = acks.ack(PERU_SLUG, "submit", r, "submitForReview") if r.ok else None
    yield "submit", r
    if item is None:
        return
    r = client.gql(Q_PUBLISH, {"id": country, "v": item["version"]})
    if r.ok:
        acks.ack(PERU_SLUG, "publish", r, "publish")
    yield "publish", r


def verify_country(port: int, token: str, acks: Acks) -> list[str]:
    """Peru is at least at its highest acknowledged version, and public if its last
    acknowledged step was a publish and nothing was written after it."""
    d = acks.docs.get(PERU_SLUG)
    if d is None:
        return []
    r = Client(port, token).gql(Q_STAFF_COUNTRY)
    if not r.ok or not r.data.get("country"):
        return [f"peru: staff read failed: {r.describe()}"]
    c = r.data["country"]
    bad = []
    if c["version"] < d["version"]:
        bad.append(f"LOST: peru is at version {c['version']}, version {d['version']} was "
                   f"acknowledged ({d['actions'][-3:]})")
    elif c["version"] == d["version"] and d["actions"][-1] == "publish" \
            and c["status"] != "PUBLISHED":
        bad.append(f"LOST: peru publish acknowledged, status is {c['status']}")
    return bad


def verify_acks(port: int, token: str, acks: Acks) -> tuple[int, list[str]]:
    """Every acknowledged document exists with at least its acknowledged version;
    every acknowledged publish is public. Returns (found, violations)."""
    staff = Client(port, token, keepalive=True)
    public = Client(port, keepalive=True)
    found, bad = 0, []
    for slug, d in sorted(acks.docs.items()):
        r = staff.gql(Q_STAFF_DOC, {"s": slug})
        if not r.ok:
            bad.append(f"{slug}: staff read failed: {r.describe()}")
            continue
        doc = r.data.get("document")
        if doc is None:
            bad.append(f"LOST: {slug} (acknowledged {d['actions']}) does not exist")
            continue
        found += 1
        if doc["version"] < d["version"]:
            bad.append(f"LOST: {slug} is at version {doc['version']}, version "
                       f"{d['version']} was acknowledged ({d['actions']})")
        if "publish" in d["actions"]:
            if doc["status"] != "PUBLISHED":
                bad.append(f"LOST: {slug} publish acknowledged, status is {doc['status']}")
            p = public.gql(Q_PUBLIC_DOC, {"s": slug})
            if not p.ok or p.data.get("document") is None:
                bad.append(f"LOST: {slug} publish acknowledged, not public: {p.describe()}")
    staff.close()
    public.close()
    return found, bad


def global_id(kind: str, id_: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{id_}".encode()).decode().rstrip("=")


def place_index_violations(db: Database) -> list[str]:
    """The place indexes are derived from what the public sees: exactly one row per
    country (and per region of one) of a published document's published
    countries, with its date and slug."""
    bad: list[str] = []
    for table, place, of_country in (("document_region_index", "region_id", "c.region_id"),
                                     ("document_country_index", "country_id", "c.id")):
        index = {tuple(map(str, r)) for r in db.rows(
            f"SELECT {place}, document_id, published_on, slug FROM {table}")}
        truth = {tuple(map(str, r)) for r in db.rows(
            f"SELECT DISTINCT {of_country}, d.id, d.published_on, d.slug FROM documents d "
            "JOIN document_countries x ON x.document_id = d.id "
            "JOIN countries c ON c.id = x.country_id "
            "WHERE d.status = 'PUBLISHED' AND c.status = 'PUBLISHED'")}
        if index != truth:
            bad.append(f"{table} differs from the published links: "
                       f"{len(index - truth)} extra, {len(truth - index)} missing "
                       f"(e.g. {sorted(index ^ truth)[:3]})")
    return bad


def integrity(db: Database) -> tuple[dict, list[str]]:
    """Database-level invariants of the documents with slug 'fault-%' (run while no
    writer is active): every item has its revisions 1..head version (one per save
    or status change; the head version is draft_version while a working copy exists),
    the last revision carries the item's status, every revision has its audit entry
    and every audit entry with a resulting state has its revision, every item has
    its country link, no country link or revision points to a missing document,
    every PUBLISHED item has published_at and a PUBLISH revision, and the place
    indexes hold exactly the published documents' countries and regions."""
    bad: list[str] = []
    docs = db.rows("SELECT id, slug, status, version, draft IS NOT NULL, draft_status, "
                   "draft_version, published_at FROM documents WHERE slug LIKE 'fault-%'")
    revs = collections.defaultdict(list)
    for item_id, version, action, status in db.rows(
            "SELECT item_id, version, action, status FROM revisions "
            "WHERE item_kind = 'Document'"):
        revs[item_id].append((int(version), action, status))
    audit = collections.Counter()
    for target, action, after in db.rows(
            "SELECT target_id, action, after FROM audit_log WHERE target_kind = 'Document' "
            "AND after IS NOT NULL"):
        try:
            v = json.loads(after)["version"]
        except (ValueError, KeyError, TypeError):
            bad.append(f"audit entry of {target} {action} has no version in after: {after[:80]}")
            continue
        audit[(target, action, int(v))] += 1
    links = collections.Counter(r[0] for r in db.rows(
        "SELECT document_id FROM document_countries"))
    ids = {r[0] for r in db.rows("SELECT id FROM documents")}
    n_rev = n_audit_matched = 0
    fault_targets = set()
    for id_, slug, status, version, has_draft, draft_status, draft_version, pub_at in docs:
        has_draft = has_draft in ("1", "t", "true", "True")
        head = int(draft_version) if has_draft and draft_version else int(version)
        head_status = draft_status if has_draft and draft_status else status
        mine = sorted(revs.get(id_, []))
        n_rev += len(mine)
        target = global_id("Document", id_)
        fault_targets.add(target)
        if not mine:
            bad.append(f"{slug} (id {id_}, v{head}) has no revision")
        elif [v for v, _, _ in mine] != list(range(1, head + 1)):
            bad.append(f"{slug} (id {id_}) head version {head} but revisions "
                       f"{[v for v, _, _ in mine]}")
        elif mine[-1][2] != head_status:
            bad.append(f"{slug} (id {id_}) status {head_status} but its last revision "
                       f"says {mine[-1][2]}")
        for v, action, _ in mine:
            if audit.get((target, action, v), 0) == 0:
                bad.append(f"{slug} revision v{v} {action} has no audit entry")
            else:
                n_audit_matched += 1
        if links.get(id_, 0) == 0:
            bad.append(f"{slug} (id {id_}) has no document_countries row")
        if status == "PUBLISHED":
            if pub_at is None:
                bad.append(f"{slug} is PUBLISHED without published_at")
            if not any(a == "PUBLISH" for _, a, _ in mine):
                bad.append(f"{slug} is PUBLISHED without a PUBLISH revision")
    rev_keys = {(global_id("Document", i), a, v) for i, rs in revs.items() for v, a, _ in rs}
    for (target, action, v), n in audit.items():
        if target in fault_targets and (target, action, v) not in rev_keys:
            bad.append(f"audit entry {action} v{v} of {target} has no revision")
        if n > 1:
            bad.append(f"{n} audit entries {action} v{v} of {target}")
    orphan_links = [d for d in links if d not in ids]
    if orphan_links:
        bad.append(f"{len(orphan_links)} document(s) in document_countries do not exist: "
                   f"{orphan_links[:5]}")
    bad.extend(place_index_violations(db))
    orphan_revs = [i for i in revs if i not in ids]
    if orphan_revs:
        bad.append(f"revisions of {len(orphan_revs)} missing document(s): {orphan_revs[:5]}")
    counts = {"documents": len(docs), "revisions": n_rev, "audit matched": n_audit_matched,
              "published": sum(1 for d in docs if d[2] == "PUBLISHED")}
    return counts, bad


# ==================================================================== scenarios


@dataclass
class Outcome:
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def check(self, cond: bool, msg: str) -> None:
        if not cond:
            self.violations.append(msg)


class Say:
    def __init__(self, tag: str):
        self.tag = tag

    def __call__(self, msg: str) -> None:
        log(f"  [{self.tag}] {msg}")


def report_list(say: Say, title: str, items: list[str], limit: int = 15) -> None:
    for v in items[:limit]:
        say(f"{title}: {v}")
    if len(items) > limit:
        say(f"{title}: ... and {len(items) - limit} more")


def scenario_kill_writes(ctx: Ctx, backend: str, say: Say) -> Outcome:
    out = Outcome()
    db = Database(ctx, backend, "kill-writes")
    db.create_user("admin@example.org", "ADMIN")
    srv = Server(ctx, db)
    took = srv.start()
    say(f"serve ready in {took:.1f} s (demo content, {backend})")
    token = login(srv.port, "admin@example.org")
    country = peru_id(srv.port, token)
    acks = Acks()
    stop = threading.Event()
    killed = threading.Event()
    inflight = Gauge()
    lock = threading.Lock()
    sent = collections.Counter()
    errors: list[Resp] = []

    def drive(flow):
        """Runs `flow(1)`, `flow(2)`, ... until stopped, counting and keeping every
        answer."""
        n = 0
        while not stop.is_set():
            n += 1
            for step, r in flow(n):
                phase = "after the kill:" if killed.is_set() else "until the kill:"
                with lock:
                    sent[(phase, "ok" if r.ok else
                          "transport error" if r.status is None else "error")] += 1
                    if r.status is not None and not r.ok:
                        errors.append(r)
                if r.status is None:
                    time.sleep(0.02)  # server down: do not spin
                if stop.is_set():
                    return

    def worker(t: int):
        client = Client(srv.port, token, timeout=30, gauge=inflight)
        drive(lambda n: write_flow(client, acks, f"fault-{t}-{n}", country))

    country_acks = Acks()

    def toggler():
        # Country-wide place-index rewrites under the same kill, beside the writers.
        client = Client(srv.port, token, timeout=30, gauge=inflight)
        drive(lambda n: country_flow(client, country_acks, country))

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(6)]
    threads.append(threading.Thread(target=toggler, daemon=True))
    t0 = time.monotonic()
    for th in threads:
        th.start()
    while (time.monotonic() - t0 < 4 or acks.counts["publish"] < 1
           or country_acks.counts["publish"] < 1):
        if time.monotonic() - t0 > 60:
            stop.set()
            raise Failure(f"no publish acknowledged in 60 s: {dict(sent)}; log:\n"
                          f"{tail(srv.log_path)}")
        time.sleep(0.1)
    # mid-burst: while requests are in flight (the threads leave little gap)
    t1 = time.monotonic()
    while inflight.value == 0 and time.monotonic() - t1 < 2:
        time.sleep(0.001)
    before, pending = sum(acks.counts.values()), inflight.value
    srv.kill9()
    killed.set()
    say(f"kill -9 after {time.monotonic() - t0:.1f} s of load: {before} writes acknowledged "
        f"so far, {pending} requests in flight")
    time.sleep(1.0)  # the clients keep sending into the dead port
    stop.set()
    for th in threads:
        th.join(timeout=60)
    if any(th.is_alive() for th in threads):
        out.violations.append("a client thread still waits for an answer 60 s after the kill")
    say("requests: " + ", ".join(f"{k[0]} {k[1]} {v}" for k, v in sorted(sent.items())))
    if errors:
        say("error responses: " + ", ".join(
            f"{k} x{v}" for k, v in collections.Counter(
                f"{r.status} {'/'.join(map(str, r.codes()))}" for r in errors).items()))
    out.violations += [f"UNCODED: {r.describe()}" for r in errors if r.uncoded()]
    c = acks.counts
    say(f"acknowledged: {c['create']} creates, {c['update']} updates, {c['submit']} "
        f"submits, {c['publish']} publishes; Peru {country_acks.counts['unpublish']} "
        f"unpublishes, {country_acks.counts['publish']} publishes")
    try:
        took = srv.start()
    except Failure as e:
        out.violations.append(f"restart after kill -9 failed: {e}")
        return out
    say(f"restarted on the same database, ready in {took:.1f} s")
    found, bad = verify_acks(srv.port, token, acks)
    say(f"found {found} of {len(acks.docs)} acknowledged documents; "
        f"{sum(1 for d in acks.docs.values() if 'publish' in d['actions'])} acknowledged "
        f"publishes checked on the public API")
    out.violations += bad
    out.violations += verify_country(srv.port, token, country_acks)
    # the restarted service takes writes again
    flow_acks = Acks()
    steps = [(s, r) for s, r in write_flow(Client(srv.port, token), flow_acks,
                                          "fault-after-restart", country)]
    out.check(all(r.ok for _, r in steps) and len(steps) == 4,
              f"write after restart failed: {[(s, r.describe()) for s, r in steps]}")
    srv.stop()
    out.violations += [f"PANIC: {p}" for p in srv.panics()]
    counts, bad = integrity(db)
    unacked = counts["documents"] - len(acks.docs) - 1
    say(f"database: {counts['documents']} fault documents ({unacked} committed but never "
        f"acknowledged), {counts['revisions']} revisions, {counts['audit matched']} with "
        f"their audit entry, {counts['published']} published; {len(bad)} integrity "
        f"violations")
    out.violations += bad
    return out


# -------------------------------------------------------------------- kill-import

IMPORT_SIZE = {"regions": 20, "countries": 200, "programmes": 2000, "documents": 40000}
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def make_dataset(path: Path) -> dict:
    """Writes the deterministic import file; returns the row counts it must give."""
    n = IMPORT_SIZE
    regions = [{"slug": f"imp-region-{i:02d}", "name": f"Import region {i:02d}"}
               for i in range(n["regions"])]
    countries = [{"slug": f"imp-country-{i:03d}", "name": f"Import country {i:03d}",
                  "iso2": ALNUM[i // 36] + ALNUM[i % 36],
                  "region": regions[i % n["regions"]]["slug"]}
                 for i in range(n["countries"])]
    kinds = ["MIP", "ANNUAL_ACTION_PLAN", "SUPPORT_MEASURE"]
    programmes = []
    for i in range(n["programmes"]):
        start = 2014 + i % 8
        programmes.append({
            "slug": f"imp-programme-{i:04d}", "title": f"Import programme {i:04d} governance",
            "kind": kinds[i % 3],
            "countries": [countries[(i + k * 7) % n["countries"]]["iso2"]
                          for k in range(1 + i % 3)],
            "periodStart": start, "periodEnd": start + 3,
            "budgetEur": f"{(i % 97 + 1) * 250000}.00",
            "priorityAreas": [{"title": f"Area {i}", "body": "Synthetic priority area."}]})
    documents = []
    for i in range(n["documents"]):
        documents.append({
            "slug": f"imp-document-{i:05d}", "title": f"Import document {i:05d} on governance",
            "publishedOn": f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "language": ["en", "fr", "es"][i % 3], "format": ["PDF", "ZIP", "DOCX"][i % 3],
            "sizeBytes": 10000 + i * 37,
            "countries": [countries[(i + k * 13) % n["countries"]]["iso2"]
                          for k in range(1 + i % 2)],
            "programme": programmes[i % n["programmes"]]["slug"] if i % 5 else None})
    data = {"regions": regions, "countries": countries, "programmes": programmes,
            "documents": documents}
    path.write_text(json.dumps(data))
    return {"regions": len(regions), "countries": len(countries),
            "programmes": len(programmes), "documents": len(documents),
            "document_countries": sum(len(d["countries"]) for d in documents),
            "programme_countries": sum(len(p["countries"]) for p in programmes),
            "priority_areas": sum(len(p["priorityAreas"]) for p in programmes)}


def content_counts(db: Database) -> dict:
    tables = ["regions", "countries", "programmes", "documents", "document_countries",
              "programme_countries", "priority_areas", "country_priorities",
              "document_region_index", "document_country_index"]
    row = db.rows("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables))[0]
    return dict(zip(tables, map(int, row)))


def generation(db: Database) -> int:
    rows = db.rows("SELECT generation FROM content_generation WHERE id = 1")
    return int(rows[0][0]) if rows else 0


def write_progress(db: Database, wal_start: int) -> bool:
    """Has the running import begun writing? SQLite: the WAL grew; PostgreSQL: a
    session on the database holds a transaction id."""
    if db.backend == "sqlite":
        try:
            return os.path.getsize(str(db.path) + "-wal") > wal_start
        except OSError:
            return False
    return int(db.ctx.psql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE "
                                       f"datname = '{db.name}' AND backend_xid IS NOT NULL"
                           ).strip()) > 0


def scenario_kill_import(ctx: Ctx, backend: str, say: Say) -> Outcome:
    out = Outcome()
    data = ctx.tmp / "import-dataset.json"
    if ctx.dataset_counts is None:
        ctx.dataset_counts = make_dataset(data)
    expected = ctx.dataset_counts
    say(f"dataset: {expected['regions']} regions, {expected['countries']} countries, "
        f"{expected['programmes']} programmes, {expected['documents']} documents "
        f"({data.stat().st_size / 1e6:.1f} MB)")
    # 1. learn the duration of a full import
    scratch = Database(ctx, backend, "import-scratch")
    scratch.migrate()
    t0 = time.monotonic()
    r = scratch.cli("import", data, timeout=600)
    full = time.monotonic() - t0
    if r.returncode != 0:
        raise Failure(f"full import failed: {r.stderr.strip()}")
    got = content_counts(scratch)
    if any(got[k] != v for k, v in expected.items()):
        raise Failure(f"full import gave {got}, expected {expected}")
    say(f"full import into a scratch database: {full:.2f} s ({r.stderr.strip()})")

    # 2. kill an import into a fresh migrated database part way
    fraction = 0.4
    killed = False
    for attempt in range(1, 6):
        db = Database(ctx, backend, "kill-import")
        db.migrate()
        gen0 = generation(db)
        wal = str(db.path) + "-wal" if backend == "sqlite" else None
        wal_start = os.path.getsize(wal) if wal and os.path.exists(wal) else 0
        delay = fraction * full
        proc = spawn([ctx.bin, "import", data, "--database-url", db.url, "--data-dir", db.dir],
                     db.dir / "import.log", ctx.base_env())
        t0 = time.monotonic()
        while time.monotonic() - t0 < delay and proc.poll() is None:
            time.sleep(0.01)
        writing = proc.poll() is None and write_progress(db, wal_start)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            killed_at = time.monotonic() - t0
        if proc.returncode != -signal.SIGKILL:
            say(f"attempt {attempt}: the import ended by itself (rc {proc.returncode}) "
                f"before {delay:.2f} s; retrying earlier")
            fraction *= 0.6
            continue
        if not writing:
            say(f"attempt {attempt}: killed at {killed_at:.2f} s, before it began writing; "
                f"retrying later")
            fraction = min(0.9, fraction + 0.15)
            continue
        say(f"attempt {attempt}: kill -9 of `cms import` at {killed_at:.2f} s "
            f"({killed_at / full:.0%} of the full import), while it was writing")
        if backend == "postgres":
            t1 = time.monotonic()
            while db.pg_backends() > 0 and time.monotonic() - t1 < 60:
                time.sleep(0.1)
            say(f"its PostgreSQL session ended {time.monotonic() - t1:.2f} s after the kill")
        left = content_counts(db)
        if all(left[k] == expected[k] for k in expected):
            say(f"attempt {attempt}: the import had committed (killed after the commit, "
                f"during ANALYZE); retrying earlier")
            fraction *= 0.6
            continue
        killed = True
        break
    if not killed:
        raise Failure("could not kill an import while it was writing in 5 attempts")
    say("rows after the kill: " + ", ".join(f"{k} {v}" for k, v in left.items()))
    out.check(all(v == 0 for v in left.values()),
              f"HALF-WRITTEN IMPORT: rows left after kill -9: {left}")
    gen1 = generation(db)
    out.check(gen1 == gen0, f"content generation moved from {gen0} to {gen1} by a killed import")
    # 3. the same import again
    t0 = time.monotonic()
    r = db.cli("import", data, timeout=600)
    took = time.monotonic() - t0
    out.check(r.returncode == 0, f"re-import after the kill failed: {r.stderr.strip()}")
    got = content_counts(db)
    say(f"re-import: rc {r.returncode} in {took:.2f} s; rows: "
        + ", ".join(f"{k} {v}" for k, v in got.items()))
    for k, v in expected.items():
        out.check(got[k] == v, f"after re-import {k} = {got[k]}, expected {v}")
    for v in place_index_violations(db):
        out.check(False, f"after re-import: {v}")
    return out


# ---------------------------------------------------------------------- pg-outage


@dataclass
class Req:
    who: str
    start: float
    end: float
    resp: Resp
    ok: bool


def scenario_pg_outage(ctx: Ctx, backend: str, say: Say) -> Outcome:
    out = Outcome()
    timeout_ms = 5000
    db = Database(ctx, backend, "pg-outage")
    db.create_user("admin@example.org", "ADMIN")
    srv = Server(ctx, db, env={"CMS_REQUEST_TIMEOUT_MS": str(timeout_ms)})
    took = srv.start()
    say(f"serve ready in {took:.1f} s, CMS_REQUEST_TIMEOUT_MS={timeout_ms}")
    token = login(srv.port, "admin@example.org")
    country = peru_id(srv.port, token)
    queries = partner_queries()
    stop = threading.Event()
    reqs: list[Req] = []
    rlock = threading.Lock()
    acks = Acks()

    def record(who, t0, r, ok):
        with rlock:
            reqs.append(Req(who, t0, time.monotonic(), r, ok))

    def reader(t: int):
        client = Client(srv.port, timeout=30)  # a new connection per request
        i = t
        while not stop.is_set():
            name, q, v = queries[i % len(queries)]
            i += 1
            t0 = time.monotonic()
            r = client.gql(q, v)
            record(name, t0, r, partner_ok(name, r))
            if not r.ok:
                time.sleep(0.05)

    def writer():
        client = Client(srv.port, token, timeout=30)
        n = 0
        while not stop.is_set():
            n += 1
            flow = write_flow(client, acks, f"fault-outage-{n}", country,
                              steps=("create", "submit", "publish"))
            t0 = time.monotonic()
            for step, r in flow:
                record(f"write-{step}", t0, r, r.ok)
                t0 = time.monotonic()
                if not r.ok:
                    time.sleep(0.05)
                if stop.is_set():
                    break

    ready_log: list[tuple[float, float, int | None]] = []

    def ready_poller():
        while not stop.is_set():
            t0 = time.monotonic()
            st = http_status(srv.port, "/readyz", timeout=10)
            ready_log.append((t0, time.monotonic(), st))
            time.sleep(max(0.0, 0.1 - (time.monotonic() - t0)))

    threads = [threading.Thread(target=reader, args=(t,), daemon=True) for t in range(8)]
    threads.append(threading.Thread(target=writer, daemon=True))
    threads.append(threading.Thread(target=ready_poller, daemon=True))
    t_begin = time.monotonic()
    for th in threads:
        th.start()
    time.sleep(3)
    acked_before = len(acks.docs)
    t_stop0 = time.monotonic()
    ctx.pg_stop()
    t_stop1 = time.monotonic()
    out.check(not ctx.pg_ready(), "PostgreSQL still answers after pg_ctl stop")
    say(f"PostgreSQL stopped (pg_ctl -m fast took {t_stop1 - t_stop0:.2f} s) after "
        f"{t_stop0 - t_begin:.1f} s of load; {acked_before} documents acknowledged before")
    time.sleep(10)
    t_res0 = time.monotonic()
    try:
        ctx.pg_resume()
    except Failure:
        stop.set()
        raise
    t_res1 = time.monotonic()
    say(f"PostgreSQL started again on port {ctx.pg_port()} "
        f"(pg_ctl start took {t_res1 - t_res0:.2f} s)")
    # recovery: /readyz 200 and a partner query answering
    probe = Client(srv.port, timeout=30)
    t_ready = t_query = None
    name, q, v = queries[0]
    while time.monotonic() - t_res1 < 30 and (t_ready is None or t_query is None):
        if t_ready is None and http_status(srv.port, "/readyz", timeout=5) == 200:
            t_ready = time.monotonic()
        if t_query is None and partner_ok(name, probe.gql(q, v)):
            t_query = time.monotonic()
        time.sleep(0.1)
    rec_ready = None if t_ready is None else t_ready - t_res1
    rec_query = None if t_query is None else t_query - t_res1
    say(f"recovery after PostgreSQL is back: /readyz 200 after "
        f"{'never' if rec_ready is None else f'{rec_ready:.2f} s'}, partner query after "
        f"{'never' if rec_query is None else f'{rec_query:.2f} s'}")
    out.check(rec_ready is not None and rec_ready <= 5,
              f"/readyz not 200 within 5 s of PostgreSQL's return ({rec_ready})")
    out.check(rec_query is not None and rec_query <= 5,
              f"no partner query answered within 5 s of PostgreSQL's return ({rec_query})")
    # keep the load on until 5 s after PostgreSQL's return, then 3 s more in which
    # every request must succeed
    time.sleep(max(0.0, t_res1 + 8 - time.monotonic()))
    stop.set()
    for th in threads:
        th.join(timeout=60)
    out.check(not any(th.is_alive() for th in threads),
              "a client still waits for an answer 60 s after the load stopped")

    # /readyz during the outage
    first_503 = next((t1 for t0, t1, st in ready_log if t0 >= t_stop0 and st == 503), None)
    lied = [st for t0, t1, st in ready_log if t0 >= t_stop1 and t1 <= t_res0 and st != 503]
    slow_ready = max((t1 - t0 for t0, t1, st in ready_log), default=0)
    turn = None if first_503 is None else max(0.0, first_503 - t_stop1)
    say(f"/readyz: {len(ready_log)} polls, 503 {turn if turn is None else f'{turn:.2f} s'} "
        f"after the stop; {len(lied)} non-503 answers while down; slowest poll "
        f"{slow_ready:.2f} s")
    out.check(turn is not None and turn <= 2, f"/readyz did not turn 503 within 2 s ({turn})")
    out.check(not lied, f"/readyz gave {collections.Counter(lied)} (None: no answer) while "
                        f"PostgreSQL was down")

    # requests by phase: "before" ended before the stop began; "stopping" ran into
    # the stop; "outage" started while PostgreSQL was down; "recovery" started in
    # the 5 s after it was back; "after" later, when everything must work again.
    limit = timeout_ms / 1000 + 1
    phases = {"before": [], "stopping": [], "outage": [], "recovery": [], "after": []}
    for q_ in reqs:
        if q_.end < t_stop0:
            phases["before"].append(q_)
        elif q_.start < t_stop1:
            phases["stopping"].append(q_)
        elif q_.start < t_res0:
            phases["outage"].append(q_)
        elif q_.start < t_res1 + 5:
            phases["recovery"].append(q_)
        else:
            phases["after"].append(q_)
    codes = collections.Counter()
    for ph, lst in phases.items():
        by = collections.Counter()
        for q_ in lst:
            r = q_.resp
            if r.status is None:
                by["transport error"] += 1
            elif q_.ok:
                by[f"{r.status} ok"] += 1
            else:
                key = f"{r.status} {'/'.join(sorted(set(str(c) for c in r.codes()))) or 'no code'}"
                if r.status == 200 and r.data:
                    key += " (partial data)"
                by[key] += 1
                if ph in ("stopping", "outage", "recovery"):
                    codes[key] += 1
        slowest = max((q_.end - q_.start for q_ in lst), default=0)
        say(f"{ph}: {len(lst)} requests, slowest {slowest:.2f} s: "
            + (", ".join(f"{k} x{v}" for k, v in sorted(by.items())) or "-"))
    for q_ in phases["stopping"] + phases["outage"] + phases["recovery"]:
        r, dur = q_.resp, q_.end - q_.start
        if dur > limit:
            out.violations.append(f"HANG: {q_.who} took {dur:.2f} s during the outage "
                                  f"(limit {limit:.0f} s): {r.describe()}")
        if r.status is None:
            out.violations.append(f"{q_.who}: no HTTP response during the outage: {r.error}")
        elif r.uncoded():
            out.violations.append(f"UNCODED: {q_.who}: {r.describe()}")
        elif r.status == 503 and not r.retry_after:
            out.violations.append(f"{q_.who}: 503 without Retry-After")
        elif not q_.ok and r.status >= 500 and r.status not in (503, 504):
            out.violations.append(f"OUTAGE NOT REPORTED AS SUCH: {q_.who} got HTTP {r.status} "
                                  f"{r.codes()} (expected SERVICE_UNAVAILABLE/TIMEOUT): "
                                  f"{r.describe()}")
    for ph in ("before", "after"):
        for q_ in phases[ph]:
            if not q_.ok:
                out.violations.append(f"{ph} the outage {q_.who} failed: {q_.resp.describe()}")
    # acknowledged writes
    c = acks.counts
    found, bad = verify_acks(srv.port, token, acks)
    say(f"acknowledged: {c['create']} creates, {c['submit']} submits, {c['publish']} "
        f"publishes ({acked_before} documents before the outage, "
        f"{len(acks.docs) - acked_before} during/after); found {found} of {len(acks.docs)}")
    out.violations += bad
    out.check(srv.alive(), f"cms serve died during the outage; log:\n{tail(srv.log_path)}")
    srv.stop()
    out.violations += [f"PANIC: {p}" for p in srv.panics()]
    counts, bad = integrity(db)
    say(f"database: {counts['documents']} fault documents, {counts['revisions']} revisions; "
        f"{len(bad)} integrity violations")
    out.violations += bad
    return out


# ------------------------------------------------------------------- kill-upload

UPLOAD_MIB = 30
Q_CREATE_FILE = ("mutation($input: DocumentInput!, $file: Upload) {"
                 " createDocument(input: $input, file: $file)"
                 " { id version sha256 sizeBytes format filename } }")
Q_STAFF_FILE = ("query($s: String!) { document(slug: $s, preview: true)"
                " { id version sha256 sizeBytes downloadUrl } }")
# Where a kill -9 lands in an upload (see README.md): in the middle of the body at
# two depths, right after its last byte, while the service writes the staging
# object, and once the file is in place under its digest; and whether the client
# sends the same file again after the restart (the last one it abandons: a stored
# file nothing names, for the collector).
KILL_POINTS = [("mid-body", 0.15, True), ("mid-body", 0.7, True), ("last-byte", 1.0, True),
               ("staging", 1.0, True), ("stored", 1.0, True), ("stored", 1.0, False)]
# The last start: the collector every second, files nothing names kept 1 s. What
# uploads leave behind (spool files, staging objects) may be swept only once older
# than an upload may take: 1 s of body and 5 s of request here, so 6 s.
FINAL_ENV = {"CMS_FILE_GRACE": "1", "CMS_FILE_COLLECT_INTERVAL": "1",
             "CMS_UPLOAD_TIMEOUT_MS": "1000", "CMS_REQUEST_TIMEOUT_MS": "5000"}
SWEPT_AFTER = 6
POLL_SECONDS = 40


def pdf_bytes(tag: str, mib: int = UPLOAD_MIB) -> bytes:
    """A valid (if empty) PDF of about `mib` MiB, its bytes unique to `tag`: the
    header, comment lines as padding, and the end-of-file marker."""
    head = f"%PDF-1.4\n% fault suite upload {tag}\n".encode()
    line = f"% {tag} ".encode().ljust(127, b"x") + b"\n"
    return head + line * (mib * 1024 * 1024 // len(line)) + b"%%EOF\n"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def multipart_body(query: str, variables: dict, var: str, filename: str,
                   data: bytes) -> tuple[str, bytes]:
    """A GraphQL multipart request (graphql-multipart-request-spec, as
    tests/api/common.rs `multipart()` makes it): `operations`, `map`, then the file,
    its variable set to null. Returns the Content-Type and the body."""
    boundary = f"cms-fault-{os.urandom(8).hex()}"
    variables = dict(variables, **{var: None})
    parts = [("Content-Disposition: form-data; name=\"operations\"",
              json.dumps({"query": query, "variables": variables}).encode()),
             ("Content-Disposition: form-data; name=\"map\"",
              json.dumps({"0": [f"variables.{var}"]}).encode()),
             (f"Content-Disposition: form-data; name=\"0\"; filename=\"{filename}\"\r\n"
              "Content-Type: application/pdf", data)]
    body = b"".join(f"--{boundary}\r\n{head}\r\n\r\n".encode() + content + b"\r\n"
                    for head, content in parts) + f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


class RawUpload:
    """One multipart POST /graphql over a raw socket, its body sent in chunks with a
    pause between them (a slow client), so that the sender chooses when it stops."""

    CHUNK = 256 * 1024
    PAUSE = 0.004

    def __init__(self, port: int, token: str, content_type: str, body: bytes):
        self.body, self.sent = body, 0
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        head = (f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                f"Authorization: Bearer {token}\r\nGraphQL-Require-Preflight: 1\r\n"
                "Connection: close\r\n\r\n")
        self.sock.sendall(head.encode())

    def send_until(self, upto: int) -> None:
        while self.sent < upto:
            n = min(self.CHUNK, upto - self.sent)
            self.sock.sendall(self.body[self.sent:self.sent + n])
            self.sent += n
            time.sleep(self.PAUSE)

    def answered(self) -> bool:
        """Whether the server has begun to answer (or closed the connection)."""
        return bool(select.select([self.sock], [], [], 0)[0])

    def response(self) -> Resp:
        t0 = time.monotonic()
        try:
            r = http.client.HTTPResponse(self.sock, method="POST")
            r.begin()
            raw = r.read()
            resp = Resp(status=r.status)
            try:
                resp.body = json.loads(raw)
            except ValueError:
                resp.body = None
        except (OSError, http.client.HTTPException) as e:
            resp = Resp(status=None, error=f"{type(e).__name__}: {e}")
        resp.seconds = time.monotonic() - t0
        self.close()
        return resp

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def dir_files(path: Path) -> dict[str, os.stat_result]:
    """Regular files directly in `path`, by name, with their stat ({} if there is no
    such directory; a file removed meanwhile is left out)."""
    found = {}
    try:
        entries = list(os.scandir(path))
    except OSError:
        return {}
    for e in entries:
        try:
            if e.is_file():
                found[e.name] = e.stat()
        except OSError:
            pass
    return found


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def scenario_kill_upload(ctx: Ctx, backend: str, say: Say) -> Outcome:
    out = Outcome()
    db = Database(ctx, backend, "kill-upload")
    files = db.dir / "files"  # the local store's default: <data dir>/files
    blobs, staging, spool = files / "blobs", files / "staging", files / "spool"
    db.create_user("editor@example.org", "EDITOR")
    srv = Server(ctx, db)
    took = srv.start()
    say(f"serve ready in {took:.1f} s (demo content, {backend}, local file store "
        f"{files})")
    token = login(srv.port, "editor@example.org")
    country = peru_id(srv.port, token)
    uploads: list[dict] = []  # slug, sha256, size, point, acknowledged
    n = 0

    def begin(data: bytes, point: str) -> tuple[dict, RawUpload]:
        nonlocal n
        n += 1
        slug = f"fault-upload-{n}"
        content_type, body = multipart_body(Q_CREATE_FILE, {"input": doc_input(slug, country)},
                                            "file", f"{slug}.pdf", data)
        u = {"slug": slug, "sha256": sha256_hex(data), "size": len(data), "point": point,
             "acknowledged": False}
        uploads.append(u)
        return u, RawUpload(srv.port, token, content_type, body)

    def settle(u: dict, r: Resp) -> None:
        """An answered upload must be acknowledged, with its file."""
        doc = r.data.get("createDocument") if r.ok else None
        if doc and doc["sha256"] == u["sha256"] and doc["sizeBytes"] == u["size"]:
            u["acknowledged"] = True
        else:
            out.violations.append(f"{u['slug']}: a completed upload was not acknowledged "
                                  f"with its file: {r.describe()}")

    def complete(data: bytes, point: str = "completed") -> None:
        u, up = begin(data, point)
        up.send_until(len(up.body))
        settle(u, up.response())

    def wait_for(cond, seconds: float) -> bool:
        """Polls `cond` every millisecond or so; False if `seconds` pass first."""
        t0 = time.monotonic()
        while not cond():
            if time.monotonic() - t0 > seconds:
                return False
            time.sleep(0.001)
        return True

    def names() -> tuple[dict, set]:
        """Documents with a stored file (sha256 -> size_bytes of each) and every digest
        a document row or revision names."""
        stored = collections.defaultdict(set)
        for sha, size in db.rows("SELECT sha256, size_bytes FROM documents WHERE "
                                 "file_stored = " + ("1" if backend == "sqlite" else "true")):
            stored[sha].add(int(size))
        named = set(stored) | {r[0] for r in db.rows(
            "SELECT DISTINCT file_sha256 FROM revisions WHERE file_sha256 IS NOT NULL")}
        return stored, named

    complete(pdf_bytes(f"{backend}-first"))
    for k, (point, fraction, retry) in enumerate(KILL_POINTS):
        data = pdf_bytes(f"{backend}-{k}-{point}")
        spooled_before, staged_before = dir_files(spool), dir_files(staging)
        u, up = begin(data, point)
        file_start = len(up.body) - len(data) - 100  # about where the file's bytes begin
        up.send_until(file_start + int(len(data) * fraction) if fraction < 1 else len(up.body))
        what = ""
        if point == "mid-body":
            # The service is spooling: a new spool file that stopped growing (what was
            # sent has arrived), or 10 s.
            last = [-1, time.monotonic()]

            def spooled_all() -> bool:
                new = [st.st_size for name, st in dir_files(spool).items()
                       if name not in spooled_before]
                size = max(new, default=-1)
                if size != last[0]:
                    last[:] = [size, time.monotonic()]
                return size > 0 and time.monotonic() - last[1] > 0.3
            wait_for(spooled_all, 10)
            what = f"with {max(last[0], 0) / 2**20:.1f} MiB of the file spooled"
        elif point == "staging":
            # While the service writes the file's staging object (or it answered first).
            wait_for(lambda: up.answered() or any(
                name not in staged_before for name in dir_files(staging)), 30)
        elif point == "stored":
            wait_for(lambda: up.answered() or (blobs / u["sha256"]).exists(), 30)
        if point in ("staging", "stored") and up.answered():
            # The whole upload was done before the point was seen: not a kill in it.
            r = up.response()
            settle(u, r)
            what = "(missed: the service answered first)"
        srv.kill9()
        staged = [name for name in dir_files(staging) if name not in staged_before]
        if point == "staging" and not what:
            what = f"while writing {', '.join(f'staging/{s}' for s in staged) or '?'}"
        elif point == "stored" and not what:
            what = "with the file in place under its digest"
        elif point == "last-byte":
            what = "right after the last byte"
        say(f"kill -9 {point}: {u['slug']}, {up.sent / 2**20:.1f} of {len(up.body) / 2**20:.1f}"
            f" MiB sent, {what}{'' if retry else '; not sent again'}")
        up.close()
        srv.start()
        if retry:  # the client sends it again once the service is back
            complete(data, "retried")
    # The last restart: the collector every second with a grace of one second.
    srv.stop()
    _, named = names()
    say(f"left by the kills: {len(dir_files(spool))} spool files, {len(dir_files(staging))} "
        f"staging files, {sum(1 for b in dir_files(blobs) if b not in named)} stored files "
        f"nothing names")
    srv.extra = FINAL_ENV
    took = srv.start()
    say(f"restarted with {', '.join(f'{k}={v}' for k, v in FINAL_ENV.items())}: ready in "
        f"{took:.1f} s")

    def leftovers() -> list[str]:
        _, named = names()
        left = [f"blobs/{b} (no document or revision names it)" for b in dir_files(blobs)
                if b not in named]
        left += [f"staging/{s}" for s in dir_files(staging)]
        now = time.time()
        left += [f"spool/{name} ({now - st.st_mtime:.0f} s old)"
                 for name, st in dir_files(spool).items() if now - st.st_mtime > SWEPT_AFTER]
        return left

    t0 = time.monotonic()
    left = leftovers()
    while left and time.monotonic() - t0 < POLL_SECONDS:
        time.sleep(0.5)
        left = leftovers()
    say(f"after the collector ({time.monotonic() - t0:.1f} s): {len(dir_files(blobs))} blob "
        f"files, {len(dir_files(staging))} staging, {len(dir_files(spool))} spool; "
        f"{len(left)} left behind")
    out.violations += [f"LEFT BEHIND {POLL_SECONDS} s after the restart: {x}" for x in left]
    # (a) every stored file, named by a document row or a revision, is whole
    stored, named = names()
    for sha in sorted(named):
        path = blobs / sha
        if not path.is_file():
            out.violations.append(f"MISSING: blobs/{sha}, named by a document or revision, "
                                  f"is not in the store")
            continue
        size = path.stat().st_size
        if sha in stored and stored[sha] != {size}:
            out.violations.append(f"TRUNCATED: blobs/{sha} has {size} bytes, documents say "
                                  f"{sorted(stored[sha])}")
        if file_sha256(path) != sha:
            out.violations.append(f"CORRUPT: blobs/{sha} does not hash to its name")
    # (c) every acknowledged upload's document, with its file, also downloaded
    staff = Client(srv.port, token, keepalive=True)
    found = killed_present = 0
    for u in uploads:
        r = staff.gql(Q_STAFF_FILE, {"s": u["slug"]})
        doc = r.data.get("document") if r.ok else None
        if not u["acknowledged"]:
            killed_present += doc is not None
            if doc is not None and doc["sha256"] != u["sha256"]:
                out.violations.append(f"{u['slug']} (killed {u['point']}) exists with "
                                      f"another file: {doc}")
            continue
        if doc is None:
            out.violations.append(f"LOST: {u['slug']} ({u['point']}) was acknowledged and "
                                  f"is gone: {r.describe()}")
            continue
        found += 1
        if doc["sha256"] != u["sha256"] or doc["sizeBytes"] != u["size"]:
            out.violations.append(f"{u['slug']}: file {doc['sha256']} of {doc['sizeBytes']} "
                                  f"bytes, {u['sha256']} of {u['size']} was acknowledged")
            continue
        got = download(srv.port, doc["downloadUrl"], token)
        if got != (200, u["sha256"], u["size"]):
            out.violations.append(f"{u['slug']}: its download is {got}, expected 200 with "
                                  f"{u['sha256']} of {u['size']} bytes")
    staff.close()
    acked = sum(1 for u in uploads if u["acknowledged"])
    killed = len(uploads) - acked
    say(f"uploads: {acked} acknowledged, found and downloaded whole: {found}; {killed} "
        f"killed, {killed_present} of them committed before the kill")
    say(f"database: {len(stored)} digests of documents with a stored file, {len(named)} "
        f"named by documents and revisions, each checked on disk (size, SHA-256)")
    errors = [line.strip()[:200] for line in srv.log_path.read_text(errors="replace").splitlines()
              if "file collector failed" in line]
    out.violations += [f"COLLECTOR: {e}" for e in errors[:5]]
    out.check(srv.alive(), f"cms serve died; log:\n{tail(srv.log_path)}")
    rc = srv.stop()
    out.check(rc == 0, f"graceful stop: exit status {rc}")
    out.violations += [f"PANIC: {p}" for p in srv.panics()]
    if not ctx.keep:
        shutil.rmtree(files, ignore_errors=True)  # a few hundred MB
    return out


def download(port: int, url: str, token: str) -> tuple[int | None, str, int]:
    """GETs a downloadUrl (its path, on this port) as staff: (status, SHA-256, size)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", u.path + (f"?{u.query}" if u.query else ""),
                     headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        h, size = hashlib.sha256(), 0
        while chunk := r.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
        return r.status, h.hexdigest(), size
    except (OSError, http.client.HTTPException) as e:
        return None, f"{type(e).__name__}: {e}", 0
    finally:
        conn.close()


# --------------------------------------------------------------------------- soak


def percentile(sorted_vals: list[float], p: float) -> float:
    if not sorted_vals:
        return 0.0
    k = math.ceil(p / 100 * len(sorted_vals)) - 1  # nearest rank
    return sorted_vals[max(0, min(len(sorted_vals) - 1, k))]


def scenario_soak(ctx: Ctx, backend: str, say: Say) -> Outcome:
    out = Outcome()
    db = Database(ctx, backend, "soak")
    db.create_user("editor@example.org", "EDITOR")
    db.create_user("publisher@example.org", "PUBLISHER")
    srv = Server(ctx, db)
    took = srv.start()
    editor = login(srv.port, "editor@example.org")
    publisher = login(srv.port, "publisher@example.org")
    country = peru_id(srv.port, editor)
    queries = partner_queries()
    warmup, duration, conns = 10.0, float(ctx.soak_seconds), ctx.connections
    say(f"serve ready in {took:.1f} s; {conns} keep-alive connections, {warmup:.0f} s "
        f"warm-up, {duration:.0f} s soak, ~1 request in 20 an editorial write")
    phase = ["warmup"]
    stop = threading.Event()
    results = []  # per thread: {phase: {"lat": [...], "status": Counter, ...}}
    acks = Acks()

    def worker(t: int):
        rnd = random.Random(1000 + t)
        client = Client(srv.port, timeout=60, keepalive=True)
        mine = {p: {"lat": [], "status": collections.Counter(), "bad": []}
                for p in ("warmup", "soak")}
        results.append(mine)
        flow = None
        n = 0
        i = t
        while not stop.is_set():
            ph = phase[0]
            if ph == "done":
                break
            if rnd.random() < 0.05:
                if flow is None:
                    n += 1
                    flow = write_flow(client, acks, f"fault-soak-{t}-{n}", country,
                                      publisher_token=publisher)
                    client.token = editor
                try:
                    what, r = next(flow)
                except StopIteration:
                    flow = None
                    continue
                if what == "publish" or not r.ok:
                    flow = None
                good = r.ok
                what = f"write-{what}"
            else:
                name, q, v = queries[i % len(queries)]
                i += 1
                saved, client.token = client.token, None
                r = client.gql(q, v)
                client.token = saved
                good = partner_ok(name, r)
                what = name
            m = mine[ph]
            m["lat"].append(r.seconds)
            key = "transport error" if r.status is None else str(r.status)
            m["status"][key] += 1
            if not good and len(m["bad"]) < 20:
                m["bad"].append(f"{what}: {r.describe()}")
            if not good:
                m["status"]["not ok"] += 1
        client.close()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(conns)]
    for th in threads:
        th.start()
    time.sleep(warmup)
    rss0 = rss_kib(srv.pid)
    phase[0] = "soak"
    t0 = time.monotonic()
    time.sleep(duration)
    phase[0] = "done"
    elapsed = time.monotonic() - t0
    rss1 = rss_kib(srv.pid)
    stop.set()
    for th in threads:
        th.join(timeout=90)
    out.check(not any(th.is_alive() for th in threads), "a soak client hangs")
    for ph in ("warmup", "soak"):
        lat = sorted(x for m in results for x in m[ph]["lat"])
        status = collections.Counter()
        for m in results:
            status.update(m[ph]["status"])
        bad = [b for m in results for b in m[ph]["bad"]]
        n5 = sum(v for k, v in status.items() if k.startswith("5"))
        nt = status.get("transport error", 0)
        nbad = status.get("not ok", 0)
        line = ", ".join(f"{k} x{v}" for k, v in sorted(status.items()) if k != "not ok")
        if ph == "soak":
            say(f"soak: {len(lat)} requests in {elapsed:.1f} s = {len(lat) / elapsed:.1f} req/s; "
                f"p50 {percentile(lat, 50) * 1000:.1f} ms, p99 {percentile(lat, 99) * 1000:.1f} "
                f"ms, max {lat[-1] * 1000 if lat else 0:.1f} ms; by status: {line}")
        else:
            say(f"warm-up: {len(lat)} requests; by status: {line}")
        out.check(n5 == 0, f"{ph}: {n5} responses with HTTP 5xx")
        out.check(nt == 0, f"{ph}: {nt} transport errors")
        out.check(nbad == 0, f"{ph}: {nbad} requests failed (GraphQL errors or wrong data)")
        report_list(say, f"{ph} failure", bad, 5)
    c = acks.counts
    say(f"editorial writes acknowledged: {c['create']} creates, {c['update']} updates, "
        f"{c['submit']} submits, {c['publish']} publishes")
    growth = (rss1 - rss0) / rss0 * 100
    say(f"RSS after warm-up {rss0 / 1024:.1f} MiB, at the end {rss1 / 1024:.1f} MiB "
        f"({growth:+.1f} %)")
    if growth > 10:
        out.warnings.append(f"RSS grew {growth:+.1f} % during the soak "
                            f"({rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB)")
    found, bad = verify_acks(srv.port, editor, acks)
    out.violations += bad
    rc = srv.stop()
    out.check(rc == 0, f"graceful stop after the soak: exit status {rc}")
    out.violations += [f"PANIC: {p}" for p in srv.panics()]
    counts, bad = integrity(db)
    say(f"database: {counts['documents']} fault documents ({found} acknowledged found), "
        f"{counts['revisions']} revisions, {counts['audit matched']} with their audit "
        f"entry; {len(bad)} integrity violations")
    out.violations += bad
    return out


# ------------------------------------------------------------------ slow-clients

SLOW_BODIES = 300          # connections trickling a body, re-opened when closed
HALF_HEADS = 200           # connections sending half a request head, re-opened too
SLOW_HEADER_TIMEOUT_MS = 3000
BODY_TIMEOUT_MS = 5000     # CMS_BODY_TIMEOUT_MS's default (the server runs with it)
SLOW_BASELINE_S = 4.0
SLOW_ATTACK_S = 16.0
SLOW_BODY_HEAD = (b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 10000\r\n\r\n")
HALF_HEAD = b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Ty"


def scrape_metrics(port: int, timeout: float = 5) -> dict[str, float] | None:
    """GET /metrics on a connection of its own: {name: value}, None if no 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        text = r.read().decode(errors="replace")
        if r.status != 200:
            return None
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


@dataclass
class SlowStats:
    """What the attacking connections saw (written by the attack's event loop only)."""
    body_conns: int = 0                                   # slow-body connections ended
    body_408: int = 0                                     # ... answered 408 REQUEST_TIMEOUT
    body_408_secs: list = field(default_factory=list)     # end of head -> 408 arrived
    body_bad: list = field(default_factory=list)          # anything else, described
    body_bytes: int = 0                                   # body bytes trickled in all
    half_conns: int = 0                                   # half-head connections ended
    half_secs: list = field(default_factory=list)         # connected -> closed by the server
    half_how: collections.Counter = field(default_factory=collections.Counter)
    half_bad: list = field(default_factory=list)
    connect_errors: collections.Counter = field(default_factory=collections.Counter)


async def _recv_until_closed(loop, sock: socket.socket, limit: float) -> tuple[bytes, str]:
    """Reads until the server closes: (bytes, how) with how "eof", "reset" or
    "not closed" (still open `limit` seconds later)."""
    got = b""
    deadline = time.monotonic() + limit
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return got, "not closed"
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), timeout=left)
        except asyncio.TimeoutError:
            return got, "not closed"
        except OSError as e:
            return got, f"reset ({type(e).__name__})"
        if not chunk:
            return got, "eof"
        got += chunk


async def _connect(loop, port: int, stats: SlowStats) -> socket.socket | None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(s, ("127.0.0.1", port)), timeout=10)
        return s
    except (OSError, asyncio.TimeoutError) as e:
        stats.connect_errors[type(e).__name__] += 1
        s.close()
        return None


async def _slow_body(port: int, delay: float, stop: threading.Event, stats: SlowStats) -> None:
    """Sends a GraphQL POST's head and then a body byte a second, for ever; when the
    server answers (408 after the body deadline) and closes, opens the next one.
    After `stop`, the open one still trickles until the server ends it."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay)
    while not stop.is_set():
        s = await _connect(loop, port, stats)
        if s is None:
            await asyncio.sleep(0.2)
            continue
        try:
            await loop.sock_sendall(s, SLOW_BODY_HEAD)
            t_head = time.monotonic()
            reader = asyncio.ensure_future(
                _recv_until_closed(loop, s, BODY_TIMEOUT_MS / 1000 + 10))
            writing = True
            while not reader.done():
                await asyncio.wait({reader}, timeout=1.0)
                if writing and not reader.done():
                    try:
                        await loop.sock_sendall(s, b" ")
                        stats.body_bytes += 1
                    except OSError:
                        writing = False  # closed by the server; the reader sees how
            got, how = reader.result()
            secs = time.monotonic() - t_head
        except OSError as e:
            got, how, secs = b"", f"send failed ({type(e).__name__})", 0.0
        finally:
            s.close()
        stats.body_conns += 1
        text = got.decode(errors="replace")
        if text.startswith("HTTP/1.1 408") and "REQUEST_TIMEOUT" in text and how != "not closed":
            stats.body_408 += 1
            stats.body_408_secs.append(secs)
        elif len(stats.body_bad) < 20:
            stats.body_bad.append(f"after {secs:.2f} s, {how}: {text[:200]!r}")
        else:
            stats.body_bad.append("")


async def _half_head(port: int, delay: float, stop: threading.Event, stats: SlowStats) -> None:
    """Sends half a request head and nothing more; records when the server closes
    the connection, then opens the next one until `stop`."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay)
    while not stop.is_set():
        s = await _connect(loop, port, stats)
        if s is None:
            await asyncio.sleep(0.2)
            continue
        t0 = time.monotonic()
        try:
            await loop.sock_sendall(s, HALF_HEAD)
            got, how = await _recv_until_closed(loop, s, SLOW_HEADER_TIMEOUT_MS / 1000 + 10)
        except OSError as e:
            got, how = b"", f"reset ({type(e).__name__})"
        finally:
            secs = time.monotonic() - t0
            s.close()
        stats.half_conns += 1
        answer = got.split(b"\r\n", 1)[0].decode(errors="replace") if got else "nothing"
        stats.half_how[f"{how}, sent {answer}"] += 1
        if how == "not closed":
            stats.half_bad.append(f"still open {secs:.1f} s after half a head")
        else:
            stats.half_secs.append(secs)


def scenario_slow_clients(ctx: Ctx, backend: str, say: Say) -> Outcome:
    out = Outcome()
    # Our sockets and the server's (it inherits the limit): ~500 attackers, the
    # normal client, metrics, the database pool, with room to spare.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2048
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            raise Failure(f"open-file limit {soft}/{hard}: the scenario needs {need}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
        say(f"open-file limit raised from {soft} to {need}")
    db = Database(ctx, backend, "slow-clients")
    srv = Server(ctx, db, env={"CMS_HEADER_TIMEOUT_MS": str(SLOW_HEADER_TIMEOUT_MS)})
    took = srv.start()
    say(f"serve ready in {took:.1f} s; CMS_HEADER_TIMEOUT_MS={SLOW_HEADER_TIMEOUT_MS}, "
        f"CMS_BODY_TIMEOUT_MS and CMS_MAX_IN_FLIGHT at their defaults "
        f"({BODY_TIMEOUT_MS}, 256); open-file limit "
        f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")
    name, q, v = next(x for x in partner_queries() if x[0] == "country-page")

    # The normal client: one kept-alive connection, never idle (an idle one would
    # be closed at the header timeout, which is right but not this test).
    phase = ["warmup"]
    samples: list[tuple[str, float, int | None, bool]] = []
    bad: list[str] = []
    stop_client = threading.Event()

    def normal() -> None:
        client = Client(srv.port, timeout=30, keepalive=True)
        while not stop_client.is_set():
            ph = phase[0]
            r = client.gql(q, v)
            good = partner_ok(name, r)
            samples.append((ph, r.seconds, r.status, good))
            if not good and len(bad) < 20:
                bad.append(f"{ph}: {r.describe()}")
        client.close()

    client_thread = threading.Thread(target=normal, daemon=True)
    client_thread.start()
    time.sleep(1.0)
    phase[0] = "baseline"
    rss_before = rss_kib(srv.pid)
    time.sleep(SLOW_BASELINE_S)
    m0 = scrape_metrics(srv.port) or {}

    stats = SlowStats()
    stop_attack = threading.Event()

    async def attack() -> None:
        tasks = [asyncio.ensure_future(_slow_body(srv.port, i / SLOW_BODIES, stop_attack, stats))
                 for i in range(SLOW_BODIES)]
        tasks += [asyncio.ensure_future(_half_head(srv.port, i / HALF_HEADS, stop_attack, stats))
                  for i in range(HALF_HEADS)]
        await asyncio.gather(*tasks)

    attack_error: list[str] = []

    def run_attack() -> None:
        try:
            asyncio.run(attack())
        except Exception:
            attack_error.append(traceback.format_exc())

    attacker = threading.Thread(target=run_attack, daemon=True)
    phase[0] = "attack"
    t_attack = time.monotonic()
    attacker.start()
    peak = collections.Counter()
    scrapes = failed_scrapes = 0
    rss_peak = rss_before
    refused_during = 0.0
    while time.monotonic() - t_attack < SLOW_ATTACK_S:
        time.sleep(0.5)
        m = scrape_metrics(srv.port)
        scrapes += 1
        if m is None:
            failed_scrapes += 1
            continue
        for k in ("cms_http_requests_in_progress", "cms_http_connections_open"):
            peak[k] = max(peak[k], m.get(k, 0))
        refused_during = max(refused_during, m.get("cms_graphql_requests_refused_total", 0))
        try:
            rss_peak = max(rss_peak, rss_kib(srv.pid))
        except (OSError, RuntimeError):
            pass
    # Stop opening new ones; the open ones run out (408 at the body deadline, the
    # half heads at the header timeout) while the normal client keeps going.
    phase[0] = "drain"
    stop_attack.set()
    attacker.join(timeout=BODY_TIMEOUT_MS / 1000 + 20)
    drain_secs = time.monotonic() - t_attack - SLOW_ATTACK_S
    out.check(not attacker.is_alive(), "attacking connections still open 25 s after the "
                                       "attack stopped")
    out.check(not attack_error, f"the attack crashed: {''.join(attack_error)}")
    phase[0] = "after"
    time.sleep(1.0)
    stop_client.set()
    client_thread.join(timeout=60)
    out.check(not client_thread.is_alive(), "the normal client hangs")

    # the normal client
    by_phase = collections.defaultdict(list)
    status = collections.Counter()
    for ph, secs, st, good in samples:
        by_phase[ph].append(secs)
        status[(ph, "transport error" if st is None else str(st), good)] += 1
    base = sorted(by_phase["baseline"])
    att = sorted(by_phase["attack"])
    b50, b99 = percentile(base, 50), percentile(base, 99)
    a50, a99 = percentile(att, 50), percentile(att, 99)
    bound = max(10 * b99, 0.5)
    say(f"normal client, country page on one kept-alive connection: baseline {len(base)} "
        f"requests in {SLOW_BASELINE_S:.0f} s, p50 {b50 * 1000:.1f} ms, p99 {b99 * 1000:.1f} ms; "
        f"under attack {len(att)} requests in {SLOW_ATTACK_S:.0f} s, p50 {a50 * 1000:.1f} ms, "
        f"p99 {a99 * 1000:.1f} ms, max {(att[-1] if att else 0) * 1000:.1f} ms "
        f"(bound {bound * 1000:.0f} ms)")
    say("normal client by phase: " + ", ".join(
        f"{ph} {st}{'' if good else ' NOT OK'} x{n}"
        for (ph, st, good), n in sorted(status.items())))
    n_bad = sum(n for (ph, st, good), n in status.items() if not good)
    n_503 = sum(n for (ph, st, good), n in status.items() if st == "503")
    out.check(len(base) >= 10, f"only {len(base)} baseline requests")
    out.check(len(att) >= 10, f"only {len(att)} requests under attack")
    out.check(n_503 == 0, f"the normal client got {n_503} HTTP 503")
    out.check(n_bad == 0, f"{n_bad} normal requests failed or had wrong data")
    report_list(say, "normal request failure", bad, 5)
    out.check(a99 <= bound, f"p99 under attack {a99 * 1000:.1f} ms is above the bound "
                            f"{bound * 1000:.0f} ms (baseline p99 {b99 * 1000:.1f} ms)")

    # the slow bodies
    lo = min(stats.body_408_secs, default=0)
    hi = max(stats.body_408_secs, default=0)
    n_body_bad = stats.body_conns - stats.body_408
    say(f"slow bodies: {stats.body_conns} connections ({SLOW_BODIES} at a time, "
        f"{stats.body_bytes} body bytes trickled), {stats.body_408} answered 408 "
        f"REQUEST_TIMEOUT and closed, {lo:.2f}..{hi:.2f} s after their head; "
        f"{n_body_bad} otherwise")
    report_list(say, "slow body not answered 408", [b for b in stats.body_bad if b], 5)
    out.check(stats.body_conns >= SLOW_BODIES, f"only {stats.body_conns} slow bodies ended")
    out.check(n_body_bad == 0, f"{n_body_bad} slow bodies were not answered 408 "
                               f"REQUEST_TIMEOUT and closed")
    # (our clock starts once the head is sent, the server's once it is parsed; the
    # slack is for our event loop stamping late under load)
    out.check(not stats.body_408_secs or lo >= BODY_TIMEOUT_MS / 1000 - 0.5,
              f"a 408 came {lo:.2f} s after the head, before the {BODY_TIMEOUT_MS} ms deadline")
    out.check(hi <= BODY_TIMEOUT_MS / 1000 + 2,
              f"a 408 came {hi:.2f} s after the head (deadline {BODY_TIMEOUT_MS} ms + 2 s)")

    # the half heads
    limit = SLOW_HEADER_TIMEOUT_MS / 1000 + 2
    hmax = max(stats.half_secs, default=0)
    hmin = min(stats.half_secs, default=0)
    late = [s for s in stats.half_secs if s > limit]
    say(f"half heads: {stats.half_conns} connections ({HALF_HEADS} at a time), "
        f"{len(stats.half_secs)} closed by the server {hmin:.2f}..{hmax:.2f} s after "
        f"connecting (p50 {percentile(sorted(stats.half_secs), 50):.2f} s); "
        + ", ".join(f"{k} x{n}" for k, n in sorted(stats.half_how.items())))
    out.check(stats.half_conns >= HALF_HEADS, f"only {stats.half_conns} half heads ended")
    out.check(not stats.half_bad, f"{len(stats.half_bad)} half heads never closed: "
                                  f"{stats.half_bad[:3]}")
    out.check(not late, f"{len(late)} half heads closed later than {limit:.0f} s "
                        f"(slowest {hmax:.2f} s)")
    out.check(not stats.half_secs or hmin >= SLOW_HEADER_TIMEOUT_MS / 1000 - 0.5,
              f"a half head was closed after {hmin:.2f} s, before the header timeout")
    if stats.connect_errors:
        say(f"connect errors: {dict(stats.connect_errors)}")
    out.check(not stats.connect_errors, f"attacking connections failed to connect: "
                                        f"{dict(stats.connect_errors)}")

    # the metrics, during and after
    m1 = scrape_metrics(srv.port) or {}
    timeouts = m1.get("cms_http_body_timeouts_total", 0) - m0.get("cms_http_body_timeouts_total", 0)
    refused = m1.get("cms_graphql_requests_refused_total", -1)
    say(f"metrics during the attack ({scrapes} scrapes, {failed_scrapes} failed): peak "
        f"cms_http_requests_in_progress {peak['cms_http_requests_in_progress']:.0f}, peak "
        f"cms_http_connections_open {peak['cms_http_connections_open']:.0f}; "
        f"cms_http_body_timeouts_total +{timeouts:.0f}, cms_graphql_requests_refused_total "
        f"{refused:.0f}, cms_http_connections_total {m1.get('cms_http_connections_total', 0):.0f}, "
        f"cms_http_connections_capped_total {m1.get('cms_http_connections_capped_total', 0):.0f}")
    out.check(failed_scrapes == 0, f"{failed_scrapes} of {scrapes} /metrics scrapes failed "
                                   f"during the attack")
    out.check(peak["cms_http_requests_in_progress"] >= 0.8 * SLOW_BODIES,
              f"cms_http_requests_in_progress peaked at "
              f"{peak['cms_http_requests_in_progress']:.0f}, the slow bodies do not show")
    out.check(peak["cms_http_connections_open"] >= 0.9 * (SLOW_BODIES + HALF_HEADS),
              f"cms_http_connections_open peaked at {peak['cms_http_connections_open']:.0f}")
    out.check(refused == 0 and refused_during == 0,
              f"cms_graphql_requests_refused_total is {refused:.0f}")
    out.check(timeouts == stats.body_408, f"cms_http_body_timeouts_total grew by "
                                          f"{timeouts:.0f}, {stats.body_408} 408s seen")
    out.check(m1.get("cms_http_connections_capped_total", 0) == 0,
              "the connection cap was reached")
    # every connection gone: the metrics request's own one at most (and a
    # closing one or two)
    t0 = time.monotonic()
    open_now = m1.get("cms_http_connections_open", -1)
    while open_now > 3 and time.monotonic() - t0 < 10:
        time.sleep(0.2)
        open_now = (scrape_metrics(srv.port) or {}).get("cms_http_connections_open", -1)
    settle = time.monotonic() - t0
    say(f"after the attack (drained in {drain_secs:.1f} s): cms_http_connections_open "
        f"{open_now:.0f} ({settle:.1f} s after the attackers finished)")
    out.check(0 <= open_now <= 3, f"cms_http_connections_open is {open_now:.0f} after the "
                                  f"attack (expected 3 at most)")
    rss_after = rss_kib(srv.pid)
    say(f"RSS before the attack {rss_before / 1024:.1f} MiB, peak during it "
        f"{rss_peak / 1024:.1f} MiB, after {rss_after / 1024:.1f} MiB")
    out.check(http_status(srv.port, "/readyz") == 200, "/readyz is not 200 after the attack")
    out.check(partner_ok(name, Client(srv.port).gql(q, v)),
              "the country page fails after the attack")
    out.check(srv.alive(), f"cms serve died; log:\n{tail(srv.log_path)}")
    rc = srv.stop()
    out.check(rc == 0, f"graceful stop after the attack: exit status {rc}")
    out.violations += [f"PANIC: {p}" for p in srv.panics()]
    return out


RUNNERS = {
    "kill-writes": scenario_kill_writes,
    "kill-import": scenario_kill_import,
    "kill-upload": scenario_kill_upload,
    "pg-outage": scenario_pg_outage,
    "soak": scenario_soak,
    "slow-clients": scenario_slow_clients,
}


# ========================================================================= main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cms-bin", required=True)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--only", action="append", choices=SCENARIOS, default=[])
    ap.add_argument("--pg-url")
    ap.add_argument("--pg-dir")
    ap.add_argument("--pg-script", default=str(ROOT / ".ci" / "pg.sh"))
    ap.add_argument("--pg-bin", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--soak-seconds", type=int, default=60)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--keep-temp", action="store_true")
    a = ap.parse_args()
    backends = ["sqlite", "postgres"] if a.backend == "both" else [a.backend]
    chosen = a.only or SCENARIOS
    plan = [(s, b) for b in backends for s in SCENARIOS
            if s in chosen and b in BACKENDS_OF[s]]
    if not plan:
        log(f"nothing to run: {chosen} on {backends}")
        return 2
    if any(b == "postgres" for _, b in plan) and not (a.pg_url and a.pg_dir):
        log("PostgreSQL scenarios need --pg-url and --pg-dir (run.sh starts the cluster)")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="cms-faults-"))
    ctx = Ctx(bin=a.cms_bin, tmp=tmp, pg_url=a.pg_url, pg_dir=a.pg_dir,
              pg_script=a.pg_script, pg_bin=a.pg_bin, soak_seconds=a.soak_seconds,
              connections=a.connections, keep=a.keep_temp)

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    summary = []
    try:
        log(f"cms fault suite: {a.cms_bin}; scratch {tmp}")
        for scen, backend in plan:
            log(f"\n=== {scen} [{backend}]")
            say = Say(f"{scen}/{backend}")
            t0 = time.monotonic()
            try:
                outcome = RUNNERS[scen](ctx, backend, say)
            except Failure as e:
                outcome = Outcome(violations=[f"scenario could not run: {e}"])
            except Exception:
                outcome = Outcome(violations=["scenario crashed:\n" + traceback.format_exc()])
            finally:
                kill_children()
            secs = time.monotonic() - t0
            report_list(say, "VIOLATION", outcome.violations, 25)
            for w in outcome.warnings:
                say(f"WARNING: {w}")
            verdict = "FAIL" if outcome.violations else "PASS"
            say(f"{verdict} in {secs:.1f} s ({len(outcome.violations)} violations)")
            summary.append((scen, backend, verdict, len(outcome.violations),
                            len(outcome.warnings), secs))
    except (KeyboardInterrupt, SystemExit):
        log("\ninterrupted: stopping servers and removing the scratch directory")
        raise
    finally:
        kill_children()
        if a.keep_temp:
            log(f"scratch kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    log("\n=== summary")
    for scen, backend, verdict, nv, nw, secs in summary:
        log(f"  {verdict}  {scen:<12} {backend:<9} {nv} violations, {nw} warnings, {secs:.1f} s")
    failed = [s for s in summary if s[2] != "PASS"]
    log(f"{len(summary) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
