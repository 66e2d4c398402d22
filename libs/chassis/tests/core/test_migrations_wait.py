"""``migrate wait``: the init container that holds a process until its database is at head."""

from __future__ import annotations

import textwrap

import pytest

from crm_chassis.migrations import ServiceMigrations

ENV = textwrap.dedent("""
    from pathlib import Path
    from crm_chassis.migrations import ServiceMigrations, run_alembic_env
    run_alembic_env(ServiceMigrations("things", Path(__file__).parent, lambda: ""))
""")
REVISION = textwrap.dedent("""
    import sqlalchemy as sa
    from alembic import op
    revision = "{rev}"
    down_revision = {down}
    def upgrade():
        op.create_table("things_{rev}", sa.Column("id", sa.Integer, primary_key=True))
    def downgrade():
        op.drop_table("things_{rev}")
""")


@pytest.fixture
def migrations(tmp_path):
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "migrations" / "env.py").write_text(ENV)
    for rev, down in (("0001", None), ("0002", '"0001"')):
        (tmp_path / "migrations" / "versions" / f"{rev}.py").write_text(
            REVISION.format(rev=rev, down=down)
        )
    url = f"sqlite:///{tmp_path}/things.db"
    return ServiceMigrations("things", tmp_path / "migrations", lambda: url), url


def test_wait_says_where_the_database_is_until_it_reaches_head(migrations):
    service, url = migrations
    assert service.wait(url, 0) == (
        "the things database is at no revision, the code needs 0002 (its migrate Job upgrades it)"
    )
    service.upgrade(url, "0001")
    assert "is at 0001, the code needs 0002" in service.wait(url, 0)
    service.upgrade(url)
    assert service.wait(url, 0) is None


def test_migrate_wait_exits_non_zero_while_migrations_are_pending(migrations, capsys):
    service, _ = migrations
    with pytest.raises(SystemExit, match="crm things migrate wait: the things database is at"):
        service.main(["wait", "0"])
    service.main(["upgrade"])
    service.main(["wait", "0"])
    assert capsys.readouterr().out.splitlines()[-1] == "things database is at head"
