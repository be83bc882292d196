"""Test databases made by the migrations: a template, the rolled-back main copy, fresh copies."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from config import normalize_database_url


class TestDatabases:
    __test__ = False  # not a test class

    def __init__(self, server_url: str | None, workdir: Path):
        self.server_url = normalize_database_url(server_url) if server_url else None
        self.workdir = workdir
        self._counter = itertools.count(1)
        self.prefix = f"crisis_t{os.getpid()}"
        self.template_url = ""
        self.main_url = ""
        self._made: list[str] = []

    @property
    def is_postgres(self) -> bool:
        return self.server_url is not None

    def unavailable(self) -> str | None:
        if not self.is_postgres:
            return None
        try:
            engine = sa.create_engine(self.server_url)  # type: ignore[arg-type]
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            engine.dispose()
        except Exception as error:
            return f"PostgreSQL at {make_url(self.server_url).render_as_string()} is not reachable: {error}"  # type: ignore[arg-type]
        return None

    # -- the template ---------------------------------------------------------------------------
    def prepare(self) -> None:
        self.template_url = self._create(f"{self.prefix}_tpl")
        migrate(self.template_url)
        self.main_url = self.fresh_url()

    def fresh_url(self) -> str:
        return self._create(f"{self.prefix}_{next(self._counter)}", template=self.template_url)

    def _create(self, name: str, template: str = "") -> str:
        if not self.is_postgres:
            path = self.workdir / f"{name}.db"
            if template:
                shutil.copyfile(make_url(template).database, path)  # type: ignore[arg-type]
            url = f"sqlite:///{path}"
        else:
            admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                suffix = f' TEMPLATE "{make_url(template).database}"' if template else ""
                connection.execute(sa.text(f'CREATE DATABASE "{name}"{suffix}'))
            admin.dispose()
            url = make_url(self.server_url).set(database=name).render_as_string(hide_password=False)  # type: ignore[arg-type]
        self._made.append(url)
        return url

    def drop(self, url: str) -> None:
        if not self.is_postgres:
            for suffix in ("", "-wal", "-shm"):
                Path(str(make_url(url).database) + suffix).unlink(missing_ok=True)
            return
        admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()

    def cleanup(self) -> None:
        for url in reversed(self._made):
            try:
                self.drop(url)
            except Exception:  # noqa: S112
                continue


def migrate(url: str) -> None:
    """Make the schema the only way the product makes it: the Alembic migrations."""
    import flask_migrate

    from core.app import create_app
    from core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()
