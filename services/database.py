"""The one database handle services may open sessions on by themselves.

Almost every service function is handed the caller's session. Topic rules are the exception:
the bus calls them as `rule(caller, arg)` with no session, yet rules such as "who may read
`space.<slug>`" must look at memberships in the database. Rather than have services import the
Flask side (`dialog.extensions.db`, which would reverse the dependency direction), the app binds
its `Database` here once at start-up (`services.bind_database(db)`) and the rules open a short
read session through `reading()`. Tests bind their own database the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from events import Database

_bound: Database | None = None


def bind_database(database: Database) -> None:
    """Make `database` the one topic rules read from (called by create_app and by tests)."""
    global _bound
    _bound = database


@contextmanager
def reading() -> Iterator[Session]:
    """A read session on the bound database (raises if nothing was bound)."""
    if _bound is None:
        raise RuntimeError("no database bound: call services.bind_database() at start-up")
    with _bound.read() as session:
        yield session
