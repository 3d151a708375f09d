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
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar

from sqlalchemy.orm import Session

from events import Database

_bound: Database | None = None


class _Shared:
    """The session the rules inside one `one_reading()` share: opened by the first that reads."""

    def __init__(self) -> None:
        self.session: Session | None = None
        self.closing = ExitStack()


# Per thread / greenlet (contextvars): the `one_reading()` the caller is inside, if any.
_shared: ContextVar[_Shared | None] = ContextVar("services.database.shared", default=None)


def bind_database(database: Database) -> None:
    """Make `database` the one topic rules read from (called by create_app and by tests)."""
    global _bound
    _bound = database


@contextmanager
def reading() -> Iterator[Session]:
    """A read session on the bound database (raises if nothing was bound); inside `one_reading()`, its one."""
    if _bound is None:
        raise RuntimeError("no database bound: call services.bind_database() at start-up")
    shared = _shared.get()
    if shared is None:
        with _bound.read() as session:
            yield session
        return
    if shared.session is None:
        shared.session = shared.closing.enter_context(_bound.read())
    yield shared.session


@contextmanager
def one_reading() -> Iterator[None]:
    """Every `reading()` inside shares one read session, opened by the first (none if nobody reads).

    A /live subscribe asks each topic's rule: `space.<slug>`, `thread.<id>`, `project.<id>` each
    read the database, and a session per topic cost a pool checkout, a transaction and a session's
    set-up each. A caller that must see changes committed meanwhile (a retry) enters a new one.
    """
    shared = _Shared()
    token = _shared.set(shared)
    try:
        with shared.closing:
            yield
    finally:
        _shared.reset(token)
