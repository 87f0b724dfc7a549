"""Real Celery workers started by tests: on the pytest database, on their own Redis db."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    """The pytest database as a DATABASE_URL, over TCP or the embedded server's Unix socket."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return f"postgres://{db['USER']}@{quote(host, safe='')}/{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


class Worker:
    """One worker process (concurrency 1) in its own session, so a test can kill it like a
    crash (`kill`) or stop it cleanly (`stop`). `env` adds settings by environment."""

    def __init__(self, tmp_path: Path, name: str, *, broker: str, queues: str = "default",
                 env: dict[str, str] | None = None):
        self.log = tmp_path / f"{name}.log"
        environment = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": test_database_url(),
                       "DJANGO_SETTINGS_MODULE": "tiers_payant.settings", **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tiers_payant", "worker", "-l", "info",
             "-c", "1", "-Q", queues, "-n", f"{name}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=environment, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for("ready.")

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"worker: no {text!r}\n" + self.log.read_text(errors="replace"))

    def children(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def kill(self) -> None:
        """SIGKILL: the parent first (it must not get a chance to requeue), then its child."""
        children = self.children()
        os.kill(self.process.pid, signal.SIGKILL)
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def wait_until(predicate, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timeout waiting for {what}")
