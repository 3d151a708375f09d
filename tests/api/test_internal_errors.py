"""A genuine bug (never input) is a 500 in our error shape, and its traceback is logged once."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialog import create_app


def test_a_genuine_bug_is_a_500_in_our_shape_with_one_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Our body, and one traceback (Flask's) in the log, not one per handler."""
    # An app of its own: routes cannot be added to one that has served requests.
    buggy = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    buggy.add_url_rule("/api/v1/bug", "bug", lambda: 1 / 0)
    capsys.readouterr()
    response = buggy.test_client().get("/api/v1/bug")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"code": "internal_error", "message": "something went wrong on our side", "details": {}}
    }
    assert capsys.readouterr().err.count("ZeroDivisionError") == 1
