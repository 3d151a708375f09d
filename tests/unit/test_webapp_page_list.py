"""Every staff page of the web app is in the browser tests' shared page list (tests/support/webpages.py),
so each gets the axe, keyboard and no-other-host checks."""

from __future__ import annotations

import tempfile

from dialog import create_app
from tests.support.webpages import STAFF_PAGES


def test_every_staff_route_is_in_the_shared_page_list() -> None:
    instance = tempfile.mkdtemp(prefix="pages-")
    app = create_app({"INSTANCE_PATH": instance, "DATABASE_URL": f"sqlite:///{instance}/unused.sqlite3"})
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff/")}
    listed = {path for paths in STAFF_PAGES.values() for path in paths}
    assert routes and routes <= listed, f"staff pages missing from tests/support/webpages.py: {routes - listed}"
