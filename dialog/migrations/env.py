"""Alembic environment: the metadata of every service, SQLite in batch mode."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import engine_from_config, pool

import services
from events.db import Base
from services.search import FTS_TABLE, VECTOR_COLUMN

services.load_all()
config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave out what the models do not map: the search index's full-text part (FTS5 tables, tsvector)."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "column":
        return name != VECTOR_COLUMN
    return not (type_ == "index" and name == f"ix_search_entry_{VECTOR_COLUMN}")


def run_offline() -> None:
    """Emit SQL without a database connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run migrations against the configured database."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations rebuild tables; the freed pages of the old ones (webhook bodies,
            # event data) are zeroed rather than left readable in the file (see events/db.py).
            connection.exec_driver_sql("PRAGMA secure_delete=ON")
            connection.commit()  # end the autobegun transaction: Alembic runs its own
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
