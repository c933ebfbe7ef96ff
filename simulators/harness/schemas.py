"""A fresh PostgreSQL schema for one run of a bench, dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def fresh_schema(database_url: str | None, name: str) -> Iterator[str | None]:
    """``database_url`` naming a new schema ``name_<random>`` (dropped afterwards), so that a run seeds
    and counts only its own rows whatever earlier runs left in the database (a latency probe joining an
    incident a run before had opened measured nothing, and could wait for ever for a new one); SQLite
    (or None) stays as it is: each bench makes its own file."""
    if database_url is None or make_url(database_url).get_backend_name() != "postgresql":
        yield database_url
        return
    url = make_url(database_url)
    schema = f"{name}_{uuid.uuid4().hex[:8]}"
    conninfo = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        query = dict(url.query) | {"options": f"-csearch_path={schema}"}
        yield url.set(query=query).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
