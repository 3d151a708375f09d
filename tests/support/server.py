"""Start the real server in its own process (threading mode) on a free port, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tools.servers import free_port, spawn

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "smart-city-demo"
# The cheapest argon2 for every app, server and CLI the tests start (tests/conftest.py sets it for
# this process): members are created by the thousand here. Tests of hashing's cost set the strong one.
TEST_HASHING = "insecure-test"


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "dialog", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _seed(env: dict[str, str]) -> None:
    _flask(env, "migrate")
    _flask(env, "seed-demo", "--if-empty")


@dataclass
class LiveServer:
    """A running `flask dialog serve` process with its own SQLite database."""

    instance: Path
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[Any] | None = None
    gunicorn: bool = False  # serve like production (gunicorn + gevent) instead of `flask dialog serve`
    _started: bool = field(default=False, init=False, repr=False)  # once it has served, its port is its own

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment of the server process and of CLI commands against its database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIALOG_")}
        env.update(
            DIALOG_INSTANCE_PATH=str(self.instance),
            DIALOG_ASYNC_MODE="threading",
            DIALOG_RELAY_POLL_SECONDS="0.2",
            # Tests start `flask dialog scheduler` themselves where they need one.
            DIALOG_EMBEDDED_SCHEDULER="0",
            DIALOG_REACH_FLUSH_SECONDS="0.1",
            # Tests log in and open streams far more often than people do; tests of the limits set theirs.
            DIALOG_RATELIMIT_LOGIN_PER_ADDRESS="100000/minute",
            DIALOG_RATELIMIT_LOGIN_PER_EMAIL="100000/minute",
            DIALOG_RATELIMIT_ACCEPT_PER_ADDRESS="100000/minute",
            DIALOG_RATELIMIT_STREAM_PER_ADDRESS="100000/minute",
            DIALOG_RATELIMIT_LIVE_CONNECT_PER_ADDRESS="100000/minute",
            DIALOG_PASSWORD_HASHING=TEST_HASHING,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.settings)
        return env

    def prepare(self) -> None:
        """Migrate the database and load the demo data (a copy of the session's first such SQLite)."""
        if "DIALOG_DATABASE_URL" in self.settings or (self.instance / "dialog.sqlite3").exists():
            _seed(self.env)
            return
        # Two CLI processes per server add up: copy a database migrated and seeded once per
        # session (pytest's base temporary directory) and per hashing profile (demo passwords).
        template = self.instance.parent / f"seeded-{self.env['DIALOG_PASSWORD_HASHING']}"
        if not (template / "ready").exists():
            template.mkdir(exist_ok=True)
            _seed({**self.env, "DIALOG_INSTANCE_PATH": str(template)})
            (template / "ready").touch()
        shutil.copytree(template, self.instance, dirs_exist_ok=True, ignore=shutil.ignore_patterns("ready", "*.log"))

    def cli(self, *args: str) -> str:
        """Run a `flask dialog` command against this server's database."""
        return _flask(self.env, *args).stdout

    def start(self) -> LiveServer:
        """Start the process and wait until it answers.

        The port was free when it was picked, not necessarily when the server binds it: anything on
        the machine may take it meanwhile (an outgoing connection's local port, too). On a first start
        a server that could not bind its port is started again on another one; a restart keeps its
        port (its clients reconnect there).
        """
        for _ in range(5):
            log = self.instance / "server.log"
            offset = log.stat().st_size if log.exists() else 0
            try:
                return self._start()
            except RuntimeError:
                with open(log, "rb") as out:
                    out.seek(offset)
                    taken = any(sign in out.read() for sign in (b"Address already in use", b"Connection in use"))
                if self._started or not taken:
                    raise
                self.port = free_port()
        raise RuntimeError(f"no free port to start on: {(self.instance / 'server.log').read_text()[-2000:]}")

    def command(self) -> list[str]:
        """The server's command line, serving on `self.port`."""
        if self.gunicorn:
            bind = f"127.0.0.1:{self.port}"
            return [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", bind, "wsgi:app"]
        return [sys.executable, "-m", "flask", "--app", "wsgi:app", "dialog", "serve", "--port", str(self.port)]

    def _start(self) -> LiveServer:
        # Its own session, so kill() takes gunicorn's workers down with their master.
        self.process = spawn(
            self.command(), self.instance / "server.log", cwd=ROOT, env=self.env, start_new_session=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {(self.instance / 'server.log').read_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    self._started = True
                    return self
            except requests.RequestException:  # not listening yet, or gunicorn's worker still booting
                time.sleep(0.1)
        self.kill()  # never leave a half-started server behind
        raise RuntimeError(f"server did not start in 30 s: {(self.instance / 'server.log').read_text()[-2000:]}")

    def start_scheduler(self, *args: str) -> subprocess.Popen[Any]:
        """A `flask dialog scheduler` process against this server's database (stop it with .terminate())."""
        command = [sys.executable, "-m", "flask", "--app", "wsgi:app", "dialog", "scheduler", *args]
        return spawn(command, self.instance / "scheduler.log", cwd=ROOT, env=self.env)

    def kill(self) -> None:
        """SIGKILL to the server and its workers: no shutdown code runs, as in a crash."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Terminate the process."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    # -- HTTP helpers -----------------------------------------------------------------------------
    def token(self, email: str, password: str = DEMO_PASSWORD) -> str:
        """Log in and return a bearer token."""
        response = requests.post(
            self.url + "/api/v1/auth/tokens", json={"email": email, "password": password}, timeout=10
        )
        response.raise_for_status()
        return str(response.json()["token"])

    def headers(self, token: str) -> dict[str, str]:
        """Authorization header for `token`."""
        return {"Authorization": f"Bearer {token}"}

    def post_news(self, token: str, title: str, **extra: Any) -> requests.Response:
        """Create and publish a news item."""
        body = {"title": {"de": title}, "body": {"de": f"<p>{title}</p>"}, "publish": True, **extra}
        return requests.post(self.url + "/api/v1/news", json=body, headers=self.headers(token), timeout=10)

    def log_events(self, topics: str, since: int = 0, token: str | None = None) -> list[dict[str, Any]]:
        """Every event on `topics` after `since`, read through the pull endpoint (as `token`'s holder)."""
        events: list[dict[str, Any]] = []
        headers = self.headers(token) if token else {}
        while True:
            page = requests.get(
                self.url + "/api/v1/events",
                params={"topics": topics, "since": since, "limit": 1000},
                headers=headers,
                timeout=10,
            ).json()
            events.extend(page["items"])
            if not page["items"]:
                return events
            since = page["next"]

    def head(self) -> int:
        """The log's newest id."""
        return int(requests.get(self.url + "/api/v1/log", timeout=10).json()["head"])


EDITOR = "redaktion@smart-city-dialog.example"
ADMIN = "admin@smart-city-dialog.example"
MODERATOR = "moderation@smart-city-dialog.example"
MEMBER = "kommune@smart-city-dialog.example"
PARTNER = "partner@smart-city-dialog.example"
