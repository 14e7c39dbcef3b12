"""Load benchmark of the web app on loopback: ``magnerve serve --workers 2`` on 127.0.0.1,
food search and diary writes from a concurrent client, next to a trivial baseline
(``GET /healthz``, no database) measured in the same run.

Targets (issue 12): search >= 500 requests/s with p99 <= 50 ms; diary writes >= 200
requests/s with p99 <= 100 ms.

Scenarios: ``/healthz``, search and autocomplete over 30 everyday queries, diary writes of
10 everyday lines by bearer token, and "distinct" search and write scenarios whose texts
never repeat (so per-text caches do not help them). Each row also gives the **CPU time per
request** of the server's processes (user + system, from ``/proc/<pid>/stat`` of the
``magnerve serve`` process and its workers, before and after the scenario) and of this
client: on a machine shared with other jobs, requests/s and p99 vary from run to run far
more than CPU per request does. (PostgreSQL's own processes are not counted.)

Bounded in count and time: each scenario sends at most ``--requests`` requests and stops
after ``--seconds``. Loopback only: the server binds 127.0.0.1 and the client connects there.
The client is a minimal HTTP/1.1 keep-alive client on asyncio streams, so that it takes as
little as possible of the CPU the server shares with it (on a 2-core machine, client and
2 workers compete for the same cores; the figures include that).

Run: ``python benchmarks/bench_web.py [--requests 3000] [--seconds 20] [--concurrency 16]
[--database-url URL] [--json]``. Exit code 0 whether or not the targets are met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
PASSWORD = "benchmark password, long enough"
# What people type in a food search box: whole words and the prefixes autocomplete sends.
QUERIES = (
    "almonds", "alm", "almo", "spinach", "spinach boiled", "banana", "ban", "milk",
    "milk 2%", "pumpkin seeds", "pumpk", "oatmeal", "brown rice", "black beans", "tofu",
    "dark chocolate", "chocolate", "avocado", "salmon", "yogurt plain", "cashews",
    "peanut butter", "quinoa", "whole wheat bread", "broccoli", "potato baked", "kale",
    "lentils", "chickpeas", "coffee",
)  # fmt: skip
LINES = (
    "1 medium banana", "1/2 cup boiled spinach", "1 oz dry roasted almonds", "1 cup milk",
    "2 slices whole wheat bread", "1 cup cooked brown rice", "30 g pumpkin seeds",
    "1 cup black beans", "100 g tofu", "1 tbsp peanut butter",
)  # fmt: skip
# Second words for queries and lines no earlier request used ("banana oatmeal", "37 g tofu"):
# the scenarios marked "distinct" never repeat a text, so per-text caches do not help them.
DISTINCT = len(QUERIES) * len(QUERIES)
TARGETS = {  # scenario: (minimum requests/s, maximum p99 in ms), from issue 12
    "search": (500.0, 50.0),
    "diary write": (200.0, 100.0),
}


_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def _tree_pids(root: int) -> list[int]:
    """``root`` and every process below it (the uvicorn supervisor and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def server_cpu_seconds(root: int) -> float:
    """User + system CPU time [s] used so far by ``root`` and its descendants (the server's
    workers), from ``/proc/<pid>/stat`` (Linux; 0 elsewhere)."""
    total = 0
    for pid in _tree_pids(root) if Path("/proc").is_dir() else []:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime [clock ticks]
    return total * _TICK_S


@dataclass
class Result:
    """One scenario: latencies of the answered requests [ms], errors, wall time [s], and the
    CPU time [s] the server's processes and this client used meanwhile."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def pct(self, q: float) -> float:
        """The ``q`` quantile of the latencies [ms] (nearest rank)."""
        s = sorted(self.latencies)
        return s[min(len(s) - 1, max(0, round(q * len(s)) - 1))] if s else float("nan")

    def summary(self) -> dict[str, Any]:
        rps = len(self.latencies) / self.seconds if self.seconds else 0.0
        n = len(self.latencies) + sum(self.errors.values())
        out: dict[str, Any] = {
            "scenario": self.name,
            "requests": len(self.latencies) + sum(self.errors.values()),
            "ok": len(self.latencies),
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(rps, 1),
            "p50_ms": round(self.pct(0.50), 2),
            "p99_ms": round(self.pct(0.99), 2),
            "mean_ms": round(statistics.fmean(self.latencies), 2) if self.latencies else None,
            # CPU per request does not depend on what else the machine runs (requests/s does)
            "server_cpu_ms_per_request": round(1000 * self.server_cpu / n, 3) if n else None,
            "client_cpu_ms_per_request": round(1000 * self.client_cpu / n, 3) if n else None,
        }
        if self.name in TARGETS:
            min_rps, max_p99 = TARGETS[self.name]
            out["target"] = f">= {min_rps:g} req/s, p99 <= {max_p99:g} ms"
            out["met"] = bool(rps >= min_rps and self.pct(0.99) <= max_p99 and not self.errors)
        return out


class Connection:
    """A keep-alive HTTP/1.1 connection (answers with Content-Length only)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding":
                raise ValueError("chunked answers are not handled by this client")
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def scenario(
    name: str,
    server_pid: int,
    port: int,
    make_request: Any,
    expect: int,
    n: int,
    seconds: float,
    concurrency: int,
) -> Result:
    """Send ``n`` requests (at most ``seconds``) from ``concurrency`` connections."""
    result = Result(name)
    counter = iter(range(n))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        conn = await Connection.open(port)
        try:
            for i in counter:
                if time.perf_counter() > deadline:
                    break
                method, path, body, headers = make_request(i)
                t = time.perf_counter()
                try:
                    status, _ = await conn.request(method, path, body, headers)
                except (ConnectionError, asyncio.IncompleteReadError) as e:
                    key = type(e).__name__
                    result.errors[key] = result.errors.get(key, 0) + 1
                    conn.close()
                    conn = await Connection.open(port)
                    continue
                ms = (time.perf_counter() - t) * 1000
                if status == expect:
                    result.latencies.append(ms)
                else:
                    result.errors[str(status)] = result.errors.get(str(status), 0) + 1
        finally:
            conn.close()

    s0, c0, t0 = server_cpu_seconds(server_pid), time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - t0
    result.client_cpu = time.process_time() - c0
    result.server_cpu = server_cpu_seconds(server_pid) - s0
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _post_json(port: int, path: str, data: dict[str, Any], headers: dict[str, str]) -> Any:
    req = urllib.request.Request(
        f"http://{HOST}:{port}{path}",
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read()), r.headers


def account_token(port: int) -> str:
    """Sign up, sign in (cookie) and create a personal access token."""
    creds = {"email": f"bench-{os.getpid()}-{time.time_ns()}@example.org", "password": PASSWORD}
    _post_json(port, "/api/v1/auth/signup", creds, {})
    body, headers = _post_json(port, "/api/v1/auth/login", creds, {})
    cookie = headers["set-cookie"].split(";", 1)[0]
    tok, _ = _post_json(
        port,
        "/api/v1/tokens",
        {"name": "bench"},
        {"Cookie": cookie, "X-CSRF-Token": body["csrf_token"]},
    )
    return str(tok["token"])


def start_server(
    port: int, database_url: str, workdir: Path, workers: int
) -> subprocess.Popen[bytes]:
    """``magnerve serve --workers N`` on 127.0.0.1 (its own process group); wait for it."""
    exe = shutil.which("magnerve", path=str(Path(sys.executable).parent)) or "magnerve"
    env = {**os.environ, "MAGNERVE_DATA_DIR": str(workdir / "data")}
    env["MAGNERVE_CONFIG_DIR"] = str(workdir / "config")
    args = [exe, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    args += ["--database-url", database_url]
    log = (workdir / "server.log").open("wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    log_text = (workdir / "server.log").read_text(errors="replace")
    sys.exit(f"the server did not start:\n{log_text[-2000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


async def run_all(server_pid: int, port: int, token: str, args: argparse.Namespace) -> list[Result]:
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def health(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        return "GET", "/healthz", b"", {}

    def search(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        q = QUERIES[i % len(QUERIES)].replace(" ", "+").replace("%", "%25")
        return "GET", f"/api/v1/foods/search?q={q}&limit=10", b"", {}

    def search_distinct(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        a, b = QUERIES[i % len(QUERIES)], QUERIES[(i // len(QUERIES) + 1 + i) % len(QUERIES)]
        q = f"{a} {b}".replace(" ", "+").replace("%", "%25")
        return "GET", f"/api/v1/foods/search?q={q}&limit=10", b"", {}

    def write_distinct(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        day = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
        line = f"{11 + i // len(LINES)} g {LINES[i % len(LINES)].split(maxsplit=2)[-1]}"
        body = {"date": day, "text": line, "meal": "dinner"}
        return "POST", "/api/v1/diary/entries", json.dumps(body).encode(), bearer

    def suggest(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        q = QUERIES[i % len(QUERIES)].replace(" ", "+").replace("%", "%25")
        return "GET", f"/api/v1/foods/suggest?q={q}&limit=10", b"", {}

    def write(i: int) -> tuple[str, str, bytes, dict[str, str]]:
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        body = {"date": day, "text": LINES[i % len(LINES)], "meal": "lunch"}
        return "POST", "/api/v1/diary/entries", json.dumps(body).encode(), bearer

    c, n, s = args.concurrency, args.requests, args.seconds
    # warm-up: both workers load the food index and the parser, and open their connections
    pid = server_pid
    await scenario("warm-up", pid, port, search, 200, 4 * c, s, c)
    await scenario("warm-up", pid, port, suggest, 200, 4 * c, s, c)
    await scenario("warm-up", pid, port, write, 201, 4 * c, s, c)
    return [
        await scenario("baseline /healthz", pid, port, health, 200, n, s, c),
        await scenario("search", pid, port, search, 200, n, s, c),
        await scenario("autocomplete", pid, port, suggest, 200, n, s, c),
        await scenario("diary write", pid, port, write, 201, n, s, c),
        await scenario("search, distinct", pid, port, search_distinct, 200, min(n, DISTINCT), s, c),
        await scenario("write, distinct", pid, port, write_distinct, 201, n, s, c),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=3000, help="per scenario (bound)")
    p.add_argument("--seconds", type=float, default=20.0, help="per scenario (bound)")
    p.add_argument("--concurrency", type=int, default=16, help="client connections")
    p.add_argument("--workers", type=int, default=2, help="server worker processes")
    p.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="mnv-bench-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        port = _free_port()
        proc = start_server(port, url, workdir, args.workers)
        try:
            token = account_token(port)
            results = asyncio.run(run_all(proc.pid, port, token, args))
        finally:
            stop_server(proc)
    rows = [r.summary() for r in results]
    if args.json:
        print(
            json.dumps({"cpus": os.cpu_count(), "workers": args.workers, "results": rows}, indent=2)
        )
        return
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"magnerve serve --workers {args.workers} on {HOST}, {backend}, {os.cpu_count()} CPUs "
        f"shared with the client; {args.concurrency} connections, at most {args.requests} "
        f"requests or {args.seconds:g} s per scenario"
    )
    print(
        f"{'scenario':<20}{'ok':>7}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'server CPU ms/req':>19}{'client':>8}  target"
    )
    for r in rows:
        errs = sum(r["errors"].values())
        verdict = ""
        if "target" in r:
            verdict = f"{r['target']}: {'met' if r['met'] else 'NOT met'}"
        print(
            f"{r['scenario']:<20}{r['ok']:>7}{errs:>8}{r['requests_per_s']:>9.0f}"
            f"{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{r['server_cpu_ms_per_request'] or 0:>19.3f}"
            f"{r['client_cpu_ms_per_request'] or 0:>8.3f}"
            f"  {verdict}"
        )
    print(
        "server CPU ms/req: user + system CPU of the server's processes (/proc/<pid>/stat) per "
        "request; it does not depend on the machine's other load, unlike req/s and p99"
    )


if __name__ == "__main__":
    main()
