"""A peer: creating leads through BottleCRM's REST API vs leads' CreateLead, both on PostgreSQL
on loopback, sequentially and with 8 concurrent clients.

    .venv/bin/python -m bench.peers.bottlecrm [N]

BottleCRM is MicroPyramid's Django CRM, published on PyPI as ``django-crm`` (its description
points at bottlecrm.com). The wheel declares no dependencies, so they are pinned here to the
releases of its time (Django 3.2, REST framework 3.12, djangorestframework-jwt). The script
installs them into their own venv (``.tools/bottlecrm-venv``, made once), migrates a
throw-away PostgreSQL database, creates an admin user, serves ``crm.wsgi`` with gunicorn (2
workers: the 2 cores) on a free loopback port, logs in (JWT) and POSTs ``/api/leads/``. Celery
tasks the view queues (an e-mail to assigned users) go to an in-memory broker no worker reads,
so the peer is timed without them, as CreateLead is timed without routing.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
from sqlalchemy.engine import make_url

from bench.leads_api_bench import USER, _lead, leads_server
from crm.leads.v1 import lead_service_pb2, lead_service_pb2_grpc
from crm_testkit import temporary_postgres_database
from crm_testkit.auth import TestKeys

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".tools" / "bottlecrm-venv"
PACKAGES = [
    "django-crm==0.9.0",
    "Django==3.2.25",
    "djangorestframework==3.12.4",
    "djangorestframework-jwt==1.11.0",
    "PyJWT==1.7.1",
    "drf-yasg==1.20.0",
    "django-cors-headers==3.7.0",
    "django-ses==2.0.0",
    "django-phonenumber-field==5.2.0",
    "phonenumbers",
    "celery==5.2.7",
    "arrow",
    "pytz",
    "six",
    "sentry-sdk",
    "python-dotenv",
    "psycopg2-binary",
    "gunicorn",
    "setuptools<70",  # drf-yasg imports pkg_resources
]
SETTINGS = """
from crm.settings import *  # noqa: F403
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
"""
# crm.settings defines ``Domain`` (not upper case, so Django's settings never take it) and the
# lead views read ``settings.Domain``: every lead creation of the release answers 500 without
# it. Set on the settings object once they are loaded.
WSGI = """
from crm.wsgi import application  # noqa: F401
from django.conf import settings
settings.Domain = "127.0.0.1"
"""
CONCURRENCY = 8


def install() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    return python


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(database_url: str, settings_dir: str) -> dict[str, str]:
    url = make_url(database_url)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bottlecrm_bench_settings",
        "PYTHONPATH": settings_dir,
        "SECRET_KEY": uuid.uuid4().hex,
        "DBNAME": url.database or "",
        "DBUSER": url.username or "postgres",
        "DBPASSWORD": url.password or "",
        "DBHOST": url.host or "127.0.0.1",
        "DBPORT": str(url.port or 5432),
        "ENV_TYPE": "dev",
        "DOMAIN_NAME": "127.0.0.1",
        # leads/tasks.py makes its own Celery app, which takes its broker from here: an
        # in-memory one, never the platform's RabbitMQ.
        "CELERY_BROKER_URL": "memory://",
    }


def _django(python: Path, env: dict, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "django", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def _post(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"JWT {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before it listened")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn never listened")


def _stats(latencies: list[float], seconds: float) -> dict:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        "per_s": round(len(ordered) / seconds),
    }


def _run(create, n: int, workers: int, offset: int) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()

    def timed(i: int) -> None:
        begun = time.perf_counter()
        create(offset + i)
        elapsed = time.perf_counter() - begun
        with lock:
            latencies.append(elapsed)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(timed, range(n)))
    return _stats(latencies, time.perf_counter() - start)


def measure(create, n: int) -> dict:
    """``create(i)`` n times sequentially, then n times from CONCURRENCY client threads."""
    return {
        "sequential": _run(create, n, 1, 0),
        f"{CONCURRENCY} clients": _run(create, n, CONCURRENCY, n),
    }


def bottlecrm(n: int) -> dict:
    python = install()
    tag = uuid.uuid4().hex[:6]
    with (
        temporary_postgres_database("bench_bottlecrm") as database_url,
        tempfile.TemporaryDirectory() as settings_dir,
    ):
        Path(settings_dir, "bottlecrm_bench_settings.py").write_text(SETTINGS)
        Path(settings_dir, "bottlecrm_bench_wsgi.py").write_text(WSGI)
        env = _environment(database_url, settings_dir)
        _django(python, env, "migrate", "--noinput")
        password = uuid.uuid4().hex
        _django(
            python,
            env,
            "shell",
            "-c",
            "from common.models import User; "
            "u = User(email='bench@bench.example', username='bench', role='ADMIN', "
            "is_active=True, is_admin=True, is_staff=True, is_superuser=True); "
            f"u.set_password('{password}'); u.save()",
        )
        port = _free_port()
        server = subprocess.Popen(
            [str(VENV / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
            + ["--log-level", "warning", "bottlecrm_bench_wsgi:application"],
            env=env,
        )
        try:
            _wait_for(port, server)
            base = f"http://127.0.0.1:{port}/api"
            token = _post(
                f"{base}/auth/login/", {"email": "bench@bench.example", "password": password}
            )["token"]

            def create(i: int) -> None:
                answer = _post(
                    f"{base}/leads/",
                    {
                        "title": f"Bench lead {tag} {i}",
                        "first_name": "Bench",
                        "last_name": f"Lead{tag}{i}",
                        "email": f"lead{i}.{tag}@bench.example",
                        "account_name": f"Bench {tag} {i}",
                        "city": "Berlin",
                        "country": "DE",
                    },
                    token,
                )
                if answer.get("error"):
                    raise RuntimeError(f"BottleCRM refused a lead: {answer}")

            for i in range(50):
                create(10_000_000 + i)  # warm-up
            return measure(create, n)
        finally:
            server.terminate()
            server.wait(20)


def create_lead(n: int) -> dict:
    keys = TestKeys()
    bearer = (
        (
            "authorization",
            f"Bearer {keys.token(USER, 'user', departments=['sales'], display_name='Rep')}",
        ),
    )
    tag = uuid.uuid4().hex[:6]
    with (
        temporary_postgres_database("bench_peer_leads") as url,
        leads_server(url, keys) as address,
        grpc.insecure_channel(address) as channel,
    ):
        stub = lead_service_pb2_grpc.LeadServiceStub(channel)

        def create(i: int) -> None:
            stub.CreateLead(
                lead_service_pb2.CreateLeadRequest(idempotency_key=f"peer-{i}", lead=_lead(tag, i)),
                metadata=bearer,
            )

        for i in range(50):
            create(10_000_000 + i)  # warm-up
        return measure(create, n)


def main(n: int) -> None:
    print(f"{'system':<30} {'clients':<12} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'leads/s':>8}")
    for name, measured in (
        ("leads CreateLead (gRPC)", create_lead),
        ("BottleCRM POST /api/leads/", bottlecrm),
    ):
        for clients, stats in measured(n).items():
            print(
                f"{name:<30} {clients:<12} {stats['n']:>5} {stats['p50_ms']:>8} "
                f"{stats['p99_ms']:>8} {stats['per_s']:>8}",
                flush=True,
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
