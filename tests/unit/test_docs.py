"""The README stands alone: no links out of the repository, every demo account, quiet logs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from dialog.demo import DEMO_MEMBERS, DEMO_PASSWORD
from dialog.logs import configure

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_points_only_inside_the_repository() -> None:
    assert "../shared" not in README and "](../" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), target


def test_readme_lists_every_demo_account_and_the_password() -> None:
    for email, _name, role, _country, _language in DEMO_MEMBERS:
        assert f"`{email}` | {role}" in README
    assert DEMO_PASSWORD in README


def test_the_scheduler_library_does_not_log_each_run(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO")
    logging.getLogger("apscheduler.executors.default").info('Running job "tick"')
    logging.getLogger("apscheduler.executors.default").warning("Run time of job was missed")
    logging.getLogger("dialog.scheduler").info("opened call 3")
    err = capsys.readouterr().err
    assert "Running job" not in err
    assert "was missed" in err and "opened call 3" in err
