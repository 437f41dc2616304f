"""p50/p95 latency of the signed-in dashboard and an API list, 20 concurrent clients.

Starts Caseway as in production (gunicorn workers, PostgreSQL, production settings), loads the
demo association into a scratch database, and measures three endpoints in the same run:
``/api/health`` (baseline: the framework and server with no database work), the signed-in
dashboard and ``/api/directory/clinicians/?limit=50``. Writes the figures to docs/benchmarks.md.

    .venv/bin/python benchmarks/http_latency.py [--requests 1000] [--clients 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.report import machine, write_section  # noqa: E402

BIN = Path(sys.executable).parent
DATABASE = "caseway_bench"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", f"postgres://caseway:caseway@127.0.0.1:5432/{DATABASE}"
)
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
SECTION = "## Foundation: dashboard and API list latency"


def production_env(static_root: Path) -> dict[str, str]:
    from caseway.core.crypto import generate_key

    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWAY_")}
    env.update(
        CASEWAY_ENV="production",
        CASEWAY_SECRET_KEY=secrets.token_urlsafe(50),
        CASEWAY_FIELD_ENCRYPTION_KEY=generate_key(),
        CASEWAY_ALLOWED_HOSTS="127.0.0.1,localhost",
        CASEWAY_SSL_REDIRECT="false",  # plain HTTP on the loopback; TLS ends at the proxy
        CASEWAY_STATIC_ROOT=str(static_root),
        DATABASE_URL=DATABASE_URL,
        DJANGO_SETTINGS_MODULE="caseway.settings",
    )
    return env


def caseway(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "caseway"), *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"caseway {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def recreate_database() -> None:
    def psql(sql: str) -> None:
        subprocess.run(
            ["su", "postgres", "-c", f'psql -q -c "{sql}"'], check=True, capture_output=True
        )

    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE} OWNER caseway")


CREDENTIALS = """
import django; django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from caseway.accounts.models import ApiToken, User
user = User.objects.get(email="admin@demo.caseway.kr")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
_token, text = ApiToken.issue(user, "benchmark")
print(session.session_key, text)
"""


def demo_environment(env: dict[str, str]) -> tuple[str, str]:
    """Load the demo into the scratch database; a session and a token for its administrator."""
    recreate_database()
    demo_env = {**env, "CASEWAY_ENV": "development"}
    caseway(demo_env, "setup", "--verbosity", "0")
    caseway(demo_env, "demo")
    caseway(env, "collectstatic", "--noinput", "--verbosity", "0")
    result = subprocess.run(
        [sys.executable, "-c", CREDENTIALS], env=env, capture_output=True, text=True, check=True
    )
    session_key, token = result.stdout.split()
    return session_key, token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "caseway.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            WORKER_CLASS,
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def measure(url: str, headers: dict[str, str], total: int, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = total // clients

    parsed = urllib.parse.urlsplit(url)
    target = f"{parsed.path}?{parsed.query}" if parsed.query else parsed.path

    def client() -> None:
        """One browser-like client: a kept-alive connection, one request after another."""
        nonlocal errors
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        for _ in range(per_client):
            started = time.perf_counter()
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50": cuts[49],
        "p95": cuts[94],
        "throughput": len(latencies) / wall,
    }




def write_results(rows: list[tuple[str, dict[str, float]]], clients: int, workers: int) -> str:
    lines = [
        SECTION,
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"gunicorn: {workers} {WORKER_CLASS} workers, {THREADS} thread(s) each; PostgreSQL 15; "
        f"production settings; demo data; {clients} concurrent keep-alive clients on the same "
        "machine. Script: "
        "`benchmarks/http_latency.py`. Goal: p95 under 150 ms.",
        "",
        "| endpoint | requests | errors | p50 ms | p95 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['requests']:.0f} | {r['errors']:.0f} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {r['throughput']:.0f} |"
        )
    block = "\n".join(lines) + "\n"
    return write_section(SECTION, block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    args = parser.parse_args()

    static_root = ROOT / "var" / "bench-static"
    env = production_env(static_root)
    session_key, token = demo_environment(env)
    port = free_port()
    server = start_server(env, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    cookie = {"Cookie": f"sessionid={session_key}"}
    bearer = {"Authorization": f"Bearer {token}"}
    targets = [
        ("baseline: GET /api/health", f"{base}/api/health", {}),
        ("GET / (signed-in dashboard)", f"{base}/", cookie),
        (
            "GET /api/directory/clinicians/?limit=50",
            f"{base}/api/directory/clinicians/?limit=50",
            bearer,
        ),
    ]
    try:
        rows = []
        for name, url, headers in targets:
            measure(url, headers, args.clients * 5, args.clients)  # warm up
            rows.append((name, measure(url, headers, args.requests, args.clients)))
    finally:
        server.terminate()
        server.wait()
    print(write_results(rows, args.clients, args.workers))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
