"""The deployment files agree with the code (Docker cannot run here; the topology test runs the same
processes from this machine's binaries)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from argon2.profiles import RFC_9106_LOW_MEMORY

from dialog import create_app
from dialog.cli import group
from dialog.config import from_env
from services.identity import STRONG_HASHING, hashing_parameters, new_password, use_hashing
from tests.support.server import TEST_HASHING

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_compose_runs_the_scale_out_topology() -> None:
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web1", "web2", "scheduler", "nginx"}
    for name in ("postgres", "redis", "web1", "web2", "nginx"):
        assert "healthcheck" in SERVICES[name], f"{name} has no healthcheck"
    for web in ("web1", "web2"):
        depends = SERVICES[web]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
        env = SERVICES[web]["environment"]
        assert env["DIALOG_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["DIALOG_REDIS_URL"].startswith("redis://")
        assert env["DIALOG_EMBEDDED_SCHEDULER"] == "0", "the scheduler service is the one scheduler"
        assert env["DIALOG_PROXY_COUNT"] == "1", "nginx is the one proxy in front: rate limits see clients"
        assert "/readyz" in " ".join(SERVICES[web]["healthcheck"]["test"])
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES["migrate"]["restart"] == "no"
    assert {d["condition"] for d in SERVICES["nginx"]["depends_on"].values()} == {"service_healthy"}


def test_compose_commands_exist_in_the_cli() -> None:
    commands = set(group.commands)
    assert SERVICES["scheduler"]["command"][:3] == ["flask", "dialog", "scheduler"] and "scheduler" in commands
    migrate = " ".join(SERVICES["migrate"]["command"])
    for used in re.findall(r"flask dialog ([a-z-]+)", migrate):
        assert used in commands


def test_nginx_template_is_the_one_compose_mounts_and_fills() -> None:
    mount = next(v for v in SERVICES["nginx"]["volumes"] if "nginx.conf.template" in v)
    source = mount.split(":")[0]
    template = (ROOT / source).read_text()
    substituted = set(re.findall(r"\$\$(\w+)", " ".join(SERVICES["nginx"]["command"])))
    assert substituted == set(re.findall(r"\$\{(\w+)\}", template)) == set(SERVICES["nginx"]["environment"])
    assert "ip_hash;" in template, "Socket.IO polling needs sticky sessions"
    assert "proxy_set_header Upgrade $http_upgrade;" in template
    assert "proxy_buffering off;" in template
    # Engine.IO's same-origin check compares Origin with Host, which must keep the port.
    assert "$host;" not in template and template.count("proxy_set_header Host $http_host;") == 3
    assert template.count("X-Forwarded-For $proxy_add_x_forwarded_for;") == 3, "every proxied location"


def test_dockerfile_copies_what_exists_and_serves_with_the_gunicorn_config() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py"' in dockerfile
    for service in ("migrate", "web1", "web2", "scheduler"):
        assert SERVICES[service]["build"] == "."


def test_production_hashes_passwords_with_rfc_9106_and_only_tests_ask_for_less(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # What the test suite sets for itself (tests/conftest.py) is not what a deployment gets.
    monkeypatch.delenv("DIALOG_PASSWORD_HASHING", raising=False)
    assert from_env()["PASSWORD_HASHING"] == STRONG_HASHING
    try:
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
        assert hashing_parameters() == RFC_9106_LOW_MEMORY
        assert new_password("a long enough password").hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    finally:
        use_hashing(TEST_HASHING)
    assert hashing_parameters() != RFC_9106_LOW_MEMORY
    shipped = [ROOT / name for name in ("Dockerfile", "docker-compose.yml", "gunicorn.conf.py")]
    shipped += (ROOT / "deploy").iterdir()
    for path in shipped:
        assert "PASSWORD_HASHING" not in path.read_text(), f"{path.name} must keep the strong default"
    with pytest.raises(ValueError, match="unknown password hashing profile"):
        use_hashing("fast")
