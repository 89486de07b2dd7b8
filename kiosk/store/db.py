"""The SQLite engine shared by the UI, the sync worker and the CLI, and its migrations.

Three processes open the same database file, so every connection gets the same
settings (WAL, synchronous=FULL, foreign keys, a generous busy timeout), and
write transactions start with BEGIN IMMEDIATE: taking the write lock up front
means two writers queue on the busy timeout instead of one of them failing with
SQLITE_BUSY when it tries to upgrade a read snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

from .errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000

# Execution option read by the "begin" hook: "IMMEDIATE" for write transactions.
BEGIN_OPTION = "kiosk_sqlite_begin"


def _make_engine(db_path: Path, *, foreign_keys: bool, pooled: bool = True) -> Engine:
    url = URL.create("sqlite", database=str(db_path))
    kwargs = {} if pooled else {"poolclass": NullPool}
    engine = create_engine(
        url,
        # The driver's own timeout, in seconds; the PRAGMA below says the same.
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Take BEGIN away from the driver so the hook below decides the kind of BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        # Straight to the driver: this runs for every transaction, confirm's included.
        conn.connection.driver_connection.execute(f"BEGIN {mode}")

    return engine


def open_engine(db_path: Path) -> Engine:
    """An engine on the kiosk database; use `write_transaction` for anything that writes."""
    return _make_engine(Path(db_path), foreign_keys=True)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the write lock from its first statement; commits on exit."""
    with engine.connect() as conn:
        conn.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
        with conn.begin():
            yield conn


def _alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def migrate(db_path: Path, revision: str = "head") -> None:
    """Upgrade (or downgrade, for a revision older than the current one) the database.

    The whole run is one IMMEDIATE transaction, so processes starting together take
    turns and a run killed half-way leaves the database as it was.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.util import CommandError

    # Foreign keys stay off while migrating: batch operations copy a table and drop
    # the original, and that drop must not cascade into the rows that point at it.
    engine = _make_engine(Path(db_path), foreign_keys=False, pooled=False)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                current = MigrationContext.configure(conn).get_current_revision()
                cfg = _alembic_config(conn)
                try:
                    if revision == "head" or _is_ahead(cfg, revision, current):
                        command.upgrade(cfg, revision)
                    elif revision != current:
                        command.downgrade(cfg, revision)
                except CommandError as exc:
                    # Typically a database written by newer software than this.
                    raise StoreError(
                        f"cannot migrate from {current!r} to {revision!r}: {exc}", confirming=False
                    ) from exc
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration to {revision} broke {len(broken)} references")
    finally:
        engine.dispose()


def _is_ahead(cfg, revision: str, current: str | None) -> bool:
    """Whether reaching `revision` from `current` is an upgrade."""
    from alembic.script import ScriptDirectory

    if current is None:
        return True
    script = ScriptDirectory.from_config(cfg)
    target = script.get_revision(revision)
    if target is None or target.revision == current:
        return False
    ancestors = script.iterate_revisions(target.revision, "base")
    return any(r.revision == current for r in ancestors)


def current_revision(db_path: Path) -> str | None:
    """The revision the database is at; None for a missing or never-migrated database."""
    from alembic.runtime.migration import MigrationContext

    db_path = Path(db_path)
    if not db_path.exists():
        return None
    engine = _make_engine(db_path, foreign_keys=True, pooled=False)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
