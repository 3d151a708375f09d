"""Throwaway PostgreSQL, Redis and nginx servers from the machine's binaries.

For the integration tests and the benchmark alike (so neither imports the other, and `make bench`
needs no test dependencies). Each server lives in a temporary directory on a free loopback port
and is stopped by its user. A server that cannot start raises `ServerUnavailable`: the tests turn
that into a skip (a failure under CI=true, tests/conftest.py), the benchmark records the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent


class ServerUnavailable(RuntimeError):
    """The machine cannot run this server (a binary is missing)."""


def unavailable(reason: str) -> NoReturn:
    """Raise `ServerUnavailable(reason)`."""
    raise ServerUnavailable(reason)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(command: list[str], log: Path, **popen: Any) -> subprocess.Popen[Any]:
    """Start `command` with stdout and stderr appended to the file `log`."""
    # The child writes to its own copy of the descriptor and the parent's closes at once, so no
    # unclosed file is left for the garbage collector to report in a later test's teardown.
    with open(log, "ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)


def _binary(name: str, patterns: tuple[str, ...] = ()) -> str | None:
    for pattern in patterns:
        found = sorted(glob.glob(pattern))
        if found:
            return found[-1]
    return shutil.which(name)


def _wait(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start in {timeout} s")


@dataclass
class Postgres:
    """A PostgreSQL cluster in `directory`, listening on 127.0.0.1:`port`, trust auth."""

    directory: Path
    port: int
    process: subprocess.Popen[Any] | None = None
    # False (tests): fsync, synchronous commit and full page writes off, for speed. True (the
    # benchmark): PostgreSQL's defaults, the durability a production server has.
    durable: bool = False

    def url(self, database: str = "dialog") -> str:
        """SQLAlchemy URL of `database` on this server."""
        return f"postgresql+psycopg://dialog@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create an empty database (or a copy of the database `template`) and return its URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=dialog dbname=postgres", autocommit=True) as conn:
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def start(self) -> Postgres:
        """Start (or restart) the server on its data directory and port; wait until it answers."""
        self.process = spawn(
            [
                *_as_postgres_user(),
                _postgres_binary("postgres"),
                "-D",
                str(self.directory / "data"),
                "-p",
                str(self.port),
                "-k",
                str(self.directory / "sock"),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
                *(
                    []
                    if self.durable
                    else ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
                ),
            ],
            self.directory / "postgres.log",
        )
        process = self.process

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError((self.directory / "postgres.log").read_text())
            import psycopg

            try:
                psycopg.connect(
                    f"host=127.0.0.1 port={self.port} user=dialog dbname=postgres", connect_timeout=1
                ).close()
                return True
            except psycopg.OperationalError:
                return False

        _wait(ready, 60, "PostgreSQL")
        return self

    def stop(self) -> None:
        """Fast shutdown (open connections are cut, as in an outage); the data stays for a restart."""
        if self.process and self.process.poll() is None:
            subprocess.run(
                [
                    *_as_postgres_user(),
                    _postgres_binary("pg_ctl"),
                    "-D",
                    str(self.directory / "data"),
                    "stop",
                    "-m",
                    "fast",
                    "-w",
                ],
                capture_output=True,
                timeout=60,
            )
            self.process.wait(30)

    def remove(self) -> None:
        """Stop and delete the cluster's files."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _postgres_binary(name: str) -> str:
    found = _binary(name, (f"/usr/lib/postgresql/*/bin/{name}",))
    if not found:
        unavailable(f"PostgreSQL binary {name} not found")
    return found


def _as_postgres_user() -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start_postgres(
    base: Path, port: int | None = None, *, durable: bool = False, held: socket.socket | None = None
) -> Postgres:
    """initdb a new cluster and start it (as the `postgres` user when we are root); see `Postgres.durable`.

    `held`: a socket bound to `port` by the caller (so nothing else takes the port meanwhile),
    closed only after initdb, just before the server binds it.
    """
    initdb = _postgres_binary("initdb")
    prefix = _as_postgres_user()
    if prefix:
        # pytest's temporary directories are private to root; the postgres user needs its own.
        base = Path(tempfile.mkdtemp(prefix="dialog-pg-"))
        base.chmod(0o755)
    base.mkdir(parents=True, exist_ok=True)
    (base / "sock").mkdir(exist_ok=True)
    if prefix:
        shutil.chown(base, "postgres")
        shutil.chown(base / "sock", "postgres")
    subprocess.run(
        [*prefix, initdb, "-D", str(base / "data"), "-A", "trust", "-U", "dialog", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    if held is not None:
        held.close()
    return Postgres(base, port or free_port(), durable=durable).start()


@dataclass
class Redis:
    """A Redis server with no persistence on 127.0.0.1:`port`."""

    directory: Path
    port: int
    process: subprocess.Popen[Any] | None = None

    @property
    def url(self) -> str:
        """redis:// URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        """Start (or restart) the server on the same port."""
        binary = _binary("redis-server")
        if not binary:
            unavailable("redis-server not found (apt-get install -y redis-server)")
        self.process = spawn(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            self.directory / "redis.log",
        )

        def ready() -> bool:
            import redis

            try:
                return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
            except redis.ConnectionError:
                return False

        _wait(ready, 30, "Redis")
        return self

    def stop(self) -> None:
        """Stop the server (its data is gone: it keeps none)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def start_redis(base: Path) -> Redis:
    """A fresh Redis server."""
    base.mkdir(parents=True, exist_ok=True)
    return Redis(base, free_port()).start()


def nginx_binary() -> str:
    """Path of nginx, or fail/skip."""
    binary = _binary("nginx", ("/usr/sbin/nginx",))
    if not binary:
        unavailable("nginx not found (apt-get install -y nginx)")
    return binary


def render_nginx(directory: Path, upstreams: list[str], listen: int) -> Path:
    """Fill deploy/nginx.conf.template like envsubst does in docker-compose; return the file."""
    from string import Template

    template = Template((ROOT / "deploy" / "nginx.conf.template").read_text())
    rendered = template.safe_substitute(WEB1=upstreams[0], WEB2=upstreams[1], LISTEN=f"127.0.0.1:{listen}")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "logs").mkdir(exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(rendered)
    return conf


@dataclass
class Nginx:
    """nginx running `conf` with `directory` as its prefix."""

    directory: Path
    conf: Path
    port: int
    process: subprocess.Popen[Any] | None = None

    def test_config(self) -> subprocess.CompletedProcess[str]:
        """`nginx -t` on the configuration."""
        return subprocess.run(
            [nginx_binary(), "-t", "-p", str(self.directory), "-c", str(self.conf)],
            capture_output=True,
            text=True,
            timeout=30,
        )

    def start(self) -> Nginx:
        """Run in the foreground process and wait for the port."""
        self.process = spawn(
            [nginx_binary(), "-p", str(self.directory), "-c", str(self.conf), "-g", "daemon off;"],
            self.directory / "nginx.log",
        )
        import socket

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError((self.directory / "nginx.log").read_text())
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", self.port)) == 0

        _wait(ready, 20, "nginx")
        return self

    def reload(self) -> None:
        """Re-read the configuration file (new workers take new connections; the old ones finish theirs)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        """Quit."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
