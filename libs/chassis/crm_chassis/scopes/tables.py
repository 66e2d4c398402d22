"""The replica's two tables, defined once for the service's metadata and its migration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Index, MetaData, String, Table

from crm_chassis.db import UtcDateTime

VERSIONS = "access_version"
SCOPES = "access_scope"


def _version_columns() -> list[Column[Any]]:
    return [
        Column("user_id", String(64), primary_key=True),
        # territory's access_version of the snapshot stored; older snapshots are ignored.
        Column("access_version", BigInteger, nullable=False),
        Column("active", Boolean, nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
    ]


def _scope_columns() -> list[Column[Any] | Index]:
    return [
        Column("user_id", String(64), primary_key=True),
        Column("team_id", String(64), primary_key=True),
        Column("source", String(16), primary_key=True),
        Column("unit_id", String(64), primary_key=True, server_default=""),
        Column("role", String(16), nullable=False),
    ]


def scope_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Add (access_version, access_scope) to a service's metadata; returns them."""
    if VERSIONS in metadata.tables:
        return metadata.tables[VERSIONS], metadata.tables[SCOPES]
    versions = Table(VERSIONS, metadata, *_version_columns())
    scopes = Table(SCOPES, metadata, *_scope_columns())
    # members(team) and managers_of(team) look up by team.
    Index("ix_access_scope_team", scopes.c.team_id, scopes.c.source)
    return versions, scopes


def create_scope_tables(op: Any) -> None:
    """For a service's alembic migration: create the replica's tables as defined here."""
    op.create_table(VERSIONS, *_version_columns())
    op.create_table(SCOPES, *_scope_columns())
    op.create_index("ix_access_scope_team", SCOPES, ["team_id", "source"])
